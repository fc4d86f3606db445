/**
 * Every other primitive under the same faults: each client goes round the rate limiter, a
 * semaphore, the waiting room, sessions, a state machine, the event log and a shared breaker, one
 * call after another, and counts what comes back. What it checks is what every primitive promises
 * when the store misbehaves: a typed, documented error (or the documented degraded answer), never
 * an untyped one.
 */
import {
  CircuitBreaker,
  createEventLog,
  createMachine,
  createRateLimiter,
  createSemaphores,
  createSessions,
  createWaitingRoom,
  type MachineDefinition,
  type Store,
} from "holdfast";
import { Tally, sleep } from "./tally.js";

const order: MachineDefinition<"new" | "paid" | "shipped", "pay" | "ship", Record<string, unknown>> = {
  name: "order",
  initial: "new",
  states: ["new", "paid", "shipped"],
  events: ["pay", "ship"],
  transitions: [
    { event: "pay", from: "new", to: "paid" },
    { event: "ship", from: "paid", to: "shipped" },
  ],
};

type Step = (n: number) => Promise<unknown>;

function stepsFor(store: Store, client: number): Step[] {
  const limiter = createRateLimiter(store, {
    name: "chaos",
    limits: [{ algorithm: "sliding-window", limit: 1_000_000, windowMs: 60_000 }],
  });
  const semaphores = createSemaphores(store);
  const rooms = createWaitingRoom(store);
  const sessions = createSessions(store);
  const events = createEventLog(store);
  const orders = createMachine(store, order, { eventLog: events });
  const breaker = new CircuitBreaker({ name: "chaos", store });
  const id = (n: number) => `c${client}-${n}`;
  return [
    (n) => limiter.consume(`user-${n % 10}`),
    async () => {
      const permit = await semaphores.acquire("chaos", { limit: 3, ttlMs: 2000, waitMs: 50 });
      await semaphores.release(permit);
    },
    async (n) => {
      await rooms.join("chaos", id(n));
      await rooms.position("chaos", id(n));
      await rooms.leave("chaos", id(n));
    },
    async (n) => {
      await sessions.put(`token-${id(n)}`, { user: id(n), data: { n }, ttlMs: 5000 });
      await sessions.get(`token-${id(n)}`);
    },
    async (n) => {
      await orders.create(id(n));
      await orders.send(id(n), "pay", { expectedVersion: 1 });
    },
    (n) => events.append("chaos", "tick", { n }),
    () => breaker.execute(() => Promise.resolve("ok")),
  ];
}

export class MixedWorkload {
  readonly tally = new Tally("any");
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly stores: readonly Store[]) {}

  start(): void {
    this.running = true;
    this.loops = this.stores.map((s, i) => this.loop(stepsFor(s, i)));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(steps: Step[]): Promise<void> {
    for (let n = 0; this.running; n++) {
      try {
        await steps[n % steps.length](n);
        this.tally.ok();
      } catch (e) {
        this.tally.error(e);
        await sleep(5);
      }
    }
  }
}
