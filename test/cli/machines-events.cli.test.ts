/**
 * `holdfast machines …` and `holdfast events tail` against a private Redis, run inside the test
 * process (see holdfastInProcess); following the log runs as a real process, stopped by SIGINT.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import { namespacedStore } from "../../src/store/namespaced-store.js";
import type { Store } from "../../src/store/types.js";
import { createMachine, defineMachine } from "../../src/machine/index.js";
import { createEventLog } from "../../src/events/index.js";
import { MachineDefinitions } from "../../src/machine/stored-definitions.js";
import { uniquePrefix } from "../support/stores.js";
import { HOLDFAST_FROM_SOURCE, holdfastInProcess, type CliResult } from "../support/cli.js";

const port = inject("redisPort");

/** Runs CLI invocations together, in this process. */
function holdfastAll(runs: string[][], env: Record<string, string>): Promise<CliResult[]> {
  return Promise.all(runs.map((args) => holdfastInProcess(args, env)));
}

const booking = {
  states: ["created", "capacity_verified", "failed"],
  initial: "created",
  events: ["verify_capacity", "fail"],
  transitions: [
    { event: "verify_capacity", from: "created", to: "capacity_verified" },
    { event: "fail", from: ["created", "capacity_verified"], to: "failed" },
  ],
};

describe.runIf(port !== null)("holdfast machines and events commands", { timeout: 240_000 }, () => {
  const prefix = uniquePrefix();
  const env = {
    REDIS_URL: `redis://127.0.0.1:${port}`,
    HOLDFAST_PREFIX: prefix,
    HOLDFAST_LOG_LEVEL: "silent",
  };
  let store: Store;
  let acme: Store;
  beforeAll(async () => {
    store = await createStore({
      type: "redis",
      redis: { host: "127.0.0.1", port: port! },
      prefix,
      env: {},
      checkServer: false,
    });
    acme = namespacedStore(store, "t:acme:"); // what `holdfast serve` gives tenant acme
  });
  afterAll(async () => store?.close());

  it("shows an entity and its history, for machines defined over HTTP or in code", async () => {
    const defs = new MachineDefinitions(acme);
    await defs.put("booking", booking);
    const m = (await defs.machine("booking"))!;
    await m.create("b-42", { data: { partySize: 4 }, actor: "api" });
    await m.send("b-42", "verify_capacity", { expectedVersion: 1, actor: "capacity", data: { ok: true } });

    const door = createMachine(
      store,
      defineMachine({
        name: "door",
        states: ["closed", "open"],
        initial: "closed",
        events: ["open"],
        transitions: [{ event: "open", from: "closed", to: "open" }],
      }),
    );
    await door.create("front");
    await door.send("front", "open");
    // The independent runs together.
    const [show, human, history, table, code, other, missing, usage, badName] = await holdfastAll(
      [
        ["machines", "show", "booking", "b-42", "--tenant", "acme", "--json"],
        ["machines", "show", "booking", "b-42", "--tenant", "acme"],
        ["machines", "history", "booking", "b-42", "--tenant", "acme", "--json"],
        ["machines", "history", "booking", "b-42", "--tenant", "acme", "--desc"],
        // Defined in code, never registered over HTTP: still readable.
        ["machines", "show", "door", "front", "--json"],
        // Another tenant's view: not found, exit 1.
        ["machines", "show", "booking", "b-42", "--tenant", "globex", "--json"],
        ["machines", "history", "booking", "nope", "--tenant", "acme"],
        ["machines", "history", "booking", "b-42", "--limit", "0"],
        ["machines", "show", "not a name", "x", "--json"],
      ],
      env,
    );
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      machine: "booking",
      id: "b-42",
      state: "capacity_verified",
      version: 2,
      data: { partySize: 4, ok: true },
      allowedEvents: ["fail"],
    });
    expect(human.stdout).toMatch(/state\s+capacity_verified/);
    expect(human.stdout).toMatch(/allowed events\s+fail/);
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual([
      expect.objectContaining({ event: "$create", to: "created", version: 1, actor: "api" }),
      expect.objectContaining({
        event: "verify_capacity",
        from: "created",
        to: "capacity_verified",
        version: 2,
      }),
    ]);
    expect(table.stdout.split("\n")[1]).toMatch(
      /^2\s+\S+\s+verify_capacity\s+created\s+capacity_verified\s+capacity/,
    );
    expect(JSON.parse(code.stdout)).toMatchObject({ id: "front", state: "open", version: 2 });
    expect(JSON.parse(code.stdout).allowedEvents).toBeUndefined();
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout)).toBeNull();
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/has no entity nope/);
    expect(usage.code).toBe(2);
    expect(badName.code).toBe(2);
    expect(JSON.parse(badName.stdout).error.code).toBe("HOLDFAST_MACHINE_DEFINITION");
  });

  it("prints existing events with --once and follows new ones until interrupted", async () => {
    const log = createEventLog(acme);
    await log.append("assignment.state_machine", "transition", { id: "b-1", to: "capacity_verified" });
    await log.append("assignment.state_machine", "retry", { id: "b-2" });
    await log.append("checkout", "payment_failed", { order: "o-1" });

    const [once, typed, human, none, bad] = await holdfastAll(
      [
        [
          "events",
          "tail",
          "--once",
          "--json",
          "--tenant",
          "acme",
          "--source",
          "assignment.state_machine",
          "--since",
          "10m",
        ],
        ["events", "tail", "--once", "--json", "--tenant", "acme", "--type", "payment_failed"],
        ["events", "tail", "--once", "--tenant", "acme", "--source", "checkout"],
        ["events", "tail", "--once", "--json", "--tenant", "globex"],
        ["events", "tail", "--since", "yesterday"],
      ],
      env,
    );
    expect(once.code).toBe(0);
    const lines = once.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; source: string });
    expect(lines.map((l) => l.type)).toEqual(["transition", "retry"]);
    expect(
      typed.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { source: string }).source),
    ).toEqual(["checkout"]);
    expect(human.stdout).toMatch(
      /^\d{4}-\d{2}-\d{2}T\S+Z {2}checkout {2}payment_failed {2}\{"order":"o-1"\}$/m,
    );
    expect(none).toMatchObject({ code: 0, stdout: "" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since/);

    // Follow: prints what exists since --since, then each new event, until SIGINT.
    const child = spawn(
      process.execPath,
      [
        ...HOLDFAST_FROM_SOURCE,
        "events",
        "tail",
        "--json",
        "--tenant",
        "acme",
        "--source",
        "checkout",
        "--since",
        "10m",
      ],
      {
        env: { ...process.env, ...env },
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const waitForLines = async (n: number) => {
      const deadline = Date.now() + 60_000;
      while (out.split("\n").filter(Boolean).length < n) {
        if (Date.now() > deadline) throw new Error(`tail printed only: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await waitForLines(1);
      await log.append("checkout", "payment_retried", { order: "o-1" });
      await log.append("assignment.state_machine", "ignored", {});
      await waitForLines(2);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(
        out
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { type: string }).type),
      ).toEqual(["payment_failed", "payment_retried"]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("exits 3 when the store cannot be reached", async () => {
    const down = { ...env, REDIS_URL: "redis://127.0.0.1:1" };
    const [show, tail] = await holdfastAll(
      [
        ["machines", "show", "booking", "b-1", "--json"],
        ["events", "tail", "--once"],
      ],
      down,
    );
    expect(show.code).toBe(3);
    expect(JSON.parse(show.stdout).error.code).toMatch(/^HOLDFAST_STORE_/);
    expect(tail.code).toBe(3);
  });
});
