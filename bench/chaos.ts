/**
 * `npm run chaos`: the fenced-register lock workload and the inventory workload (plus, on Redis, a
 * script that counts its own executions) on each store — memory, a single Redis without and with
 * AOF, Sentinel, Cluster — while faults are injected: a client process stopped (SIGSTOP) longer
 * than its lease, Redis stopped (SIGSTOP) or paused (CLIENT PAUSE), kill -9 and restart, Sentinel
 * and Cluster failovers (planned, crash, crash with a lagging replica), a slot migration. Prints one
 * table per run, then recovery per fault. How to read it: docs/reliability.md.
 *
 * Run on demand, never in the test suite. Knobs: CHAOS_ROUNDS (3: each fault this many times),
 * CHAOS_TARGETS (memory,redis,redis-aof,sentinel,sentinel-min-replicas,cluster), CHAOS_LOCK_TTL_MS (1000),
 * CHAOS_HOLD_TTL_MS (2000), CHAOS_STEADY_MS (1500: steady work between faults).
 * Exits 1 if a stale write was accepted, a fence went backwards, an invariant broke, a script ran
 * twice, an untyped error surfaced or a store did not recover within 60 s.
 */
import { fmt, runTarget, type FaultRecord, type TargetReport } from "./chaos/run.js";
import {
  clusterTarget,
  memoryTarget,
  sentinelTarget,
  standaloneTarget,
  type Target,
} from "./chaos/targets.js";
import { percentile } from "./support/fleet-scenarios.js";

// Reconnect warnings would bury the table; HOLDFAST_LOG_LEVEL=warn shows them.
process.env.HOLDFAST_LOG_LEVEL ??= "silent";

const int = (name: string, fallback: number) => {
  const v = process.env[name];
  const n = v === undefined || v === "" ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
};
const options = {
  rounds: int("CHAOS_ROUNDS", 3),
  lockTtlMs: int("CHAOS_LOCK_TTL_MS", 1000),
  holdTtlMs: int("CHAOS_HOLD_TTL_MS", 2000),
  steadyMs: int("CHAOS_STEADY_MS", 1500),
  recoveryTimeoutMs: 60_000,
};
const builders: Record<string, () => Promise<Target>> = {
  memory: async () => memoryTarget(),
  redis: () => standaloneTarget("none"),
  "redis-aof": () => standaloneTarget("aof-everysec"),
  sentinel: () => sentinelTarget(),
  "sentinel-min-replicas": () => sentinelTarget(true),
  cluster: () => clusterTarget(),
};
const wanted = (process.env.CHAOS_TARGETS ?? Object.keys(builders).join(","))
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
for (const w of wanted) if (!builders[w]) throw new Error(`CHAOS_TARGETS: unknown target "${w}"`);

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

const short = (code: string) => code.replace(/^HOLDFAST_/, "").toLowerCase();
function typedCell(typed: Map<string, number>): string {
  const shown = [...typed].filter(
    ([c]) => c !== "HOLDFAST_LOCK_CONFLICT" && c !== "HOLDFAST_INSUFFICIENT_STOCK",
  );
  shown.sort((a, b) => b[1] - a[1]);
  return shown.length === 0 ? "none" : shown.map(([c, n]) => `${short(c)} ${n}`).join(", ");
}
const recoveryCell = (records: FaultRecord[]) => {
  const ms = records.map((r) => r.recoveryMs).filter((x) => !Number.isNaN(x));
  const missing = records.length - ms.length;
  return `${fmt(percentile(ms, 50))} / ${fmt(percentile(ms, 99))}${missing ? ` (${missing} not recovered)` : ""}`;
};

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log(
    `chaos: ${wanted.join(", ")}; each fault ${options.rounds}×; lease TTL ${options.lockTtlMs} ms, hold TTL ` +
      `${options.holdTtlMs} ms, ${options.steadyMs} ms of steady work between faults`,
  );
  const reports: TargetReport[] = [];
  for (const name of wanted) {
    console.log(`\n${name}: starting…`);
    const target = await builders[name]();
    try {
      reports.push(await runTarget(target, options, (s) => console.log(s)));
    } finally {
      await target.stop();
    }
  }

  console.log(`\nChaos run (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  console.log(
    table(
      [
        "store",
        "operations",
        "faults",
        "stale writes accepted",
        "late writes refused",
        "fence regressions",
        "invariant violations",
        "lost acked holds / commits (of holds)",
        "scripts run twice",
        "typed errors seen",
        "untyped errors",
        "recovery p50 / p99",
      ],
      reports.map((r) => [
        r.target,
        String(r.operations),
        String(r.faults),
        String(r.staleAccepted),
        r.lateWritesRefused,
        String(r.fenceRegressions),
        String(r.invariantViolations),
        `${r.lost.holds} / ${r.lost.commits} (of ${r.lost.holdsAcknowledged})`,
        r.scriptsRunTwice === null ? "—" : String(r.scriptsRunTwice),
        typedCell(r.typed),
        String(r.untyped.length),
        recoveryCell(r.records),
      ]),
    ),
  );
  const byFault = new Map<string, FaultRecord[]>();
  for (const r of reports.flatMap((x) => x.records)) {
    const k = `${r.target}\u0000${r.fault}`;
    byFault.set(k, [...(byFault.get(k) ?? []), r]);
  }
  console.log(
    "\nPer fault: recovery = the longest stretch without a granted lease or an acknowledged hold, from the fault's" +
      "\nstart until both work again; lost = acknowledged holds + commits lost, acknowledged from 1 s before the fault" +
      "\nuntil the next one\n",
  );
  console.log(
    table(
      ["store", "fault", "n", "recovery p50 / p99", "lost acked writes"],
      [...byFault].map(([k, rs]) => [
        ...k.split("\u0000"),
        String(rs.length),
        recoveryCell(rs),
        String(rs.reduce((n, r) => n + r.lost, 0)),
      ]),
    ),
  );
  for (const r of reports) for (const u of r.untyped.slice(0, 5)) console.log(`untyped (${r.target}): ${u}`);
  const broken = reports.filter(
    (r) =>
      r.staleAccepted > 0 ||
      r.fenceRegressions > 0 ||
      r.invariantViolations > 0 ||
      (r.scriptsRunTwice ?? 0) > 0 ||
      r.untyped.length > 0 ||
      r.records.some((x) => Number.isNaN(x.recoveryMs)),
  );
  if (broken.length > 0) {
    console.log(`\nBROKEN on: ${broken.map((r) => r.target).join(", ")}`);
    process.exitCode = 1;
  }
}

await main();
