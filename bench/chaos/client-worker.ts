/**
 * A lock client in a process of its own, so that the chaos harness can stop it with SIGSTOP while
 * it holds a lease (a GC pause, a stalled VM). It takes leases on one key and writes each lease's
 * fence to the harness's fenced register over IPC; after each acquire it waits for the harness's
 * go-ahead, which is where the harness stops it. Configured by the environment: the Redis
 * variables a user sets, HOLDFAST_PREFIX, CHAOS_KEY and CHAOS_TTL_MS.
 */
import { createLocks, createStore } from "holdfast";
import { envInt } from "../support/env.js";

type Reply = { t: "go" } | { t: "written"; accepted: boolean };
let answer: ((r: Reply) => void) | undefined;
process.on("message", (m: Reply) => answer?.(m));
const ask = (message: object) =>
  new Promise<Reply>((resolve) => {
    answer = resolve;
    process.send!(message);
  });
let running = true;
process.on("disconnect", () => (running = false));

const store = await createStore({
  type: "redis",
  prefix: process.env.HOLDFAST_PREFIX,
  checkServer: false,
  commandTimeoutMs: 500,
  reconnectCapMs: 100,
});
const locks = createLocks(store);
const key = process.env.CHAOS_KEY!;
const ttlMs = envInt("CHAOS_TTL_MS", undefined, 1);
while (running) {
  let lease;
  try {
    lease = await locks.acquire(key, { ttlMs, waitMs: 200 });
  } catch {
    await new Promise((r) => setTimeout(r, 10));
    continue;
  }
  await ask({ t: "holding", fence: lease.fence });
  for (let w = 0; w < 2 && running; w++) await ask({ t: "write", fence: lease.fence, token: lease.token });
  await locks.release(lease).catch(() => undefined);
}
await store.close();
