/**
 * Benchmark harness shared by every bench/*.ts: runs an async operation from N concurrent loops for
 * a fixed time, and reports throughput, latency percentiles and client CPU per operation.
 * Benchmarks live here, never in timed tests.
 */
import { envInt } from "./env.js";

export interface Measurement {
  name: string;
  concurrency: number;
  ops: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Client (this process) CPU time per operation, user + system, in microseconds. */
  cpuUsPerOp: number;
  /** Redis server CPU time per operation (main thread, user + system), in µs, when sampled. */
  serverCpuUsPerOp?: number;
}

export interface MeasureOptions {
  name: string;
  concurrency: number;
  /** How long to measure, after the warm-up. @defaultValue 3000 */
  durationMs?: number;
  /** Unmeasured warm-up. @defaultValue 500 */
  warmupMs?: number;
  /** One operation; `worker` is the loop's index (0..concurrency-1), `i` its iteration. */
  op: (worker: number, i: number) => Promise<unknown>;
  /** Reads the Redis server's cumulative CPU time in µs (see {@link redisCpuSampler}); optional. */
  serverCpu?: () => Promise<number>;
}

/** Samples a Redis server's cumulative CPU time (`INFO cpu`, user + system) in µs. */
export function redisCpuSampler(client: { info(section: string): Promise<string> }): () => Promise<number> {
  return async () => {
    const info = await client.info("cpu");
    const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
    return (field("used_cpu_sys") + field("used_cpu_user")) * 1e6;
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

export async function measure(o: MeasureOptions): Promise<Measurement> {
  const durationMs = o.durationMs ?? envInt("BENCH_DURATION_MS", 3000, 1);
  const warmupMs = o.warmupMs ?? 500;
  let samples = new Float64Array(1 << 20);
  let n = 0;
  let recording = false;
  let stop = false;
  const loop = async (w: number) => {
    let i = 0;
    while (!stop) {
      const t0 = performance.now();
      await o.op(w, i++);
      if (recording) {
        if (n === samples.length) {
          const bigger = new Float64Array(samples.length * 2);
          bigger.set(samples);
          samples = bigger;
        }
        samples[n++] = performance.now() - t0;
      }
    }
  };
  const loops = Array.from({ length: o.concurrency }, (_, w) => loop(w));
  await new Promise((r) => setTimeout(r, warmupMs));
  const server0 = o.serverCpu ? await o.serverCpu() : 0;
  recording = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  recording = false;
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const ops = n;
  const server1 = o.serverCpu ? await o.serverCpu() : 0;
  stop = true;
  await Promise.all(loops);
  const sorted = samples.slice(0, ops).sort();
  return {
    name: o.name,
    concurrency: o.concurrency,
    ops,
    opsPerSec: (ops / elapsed) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, ops),
    ...(o.serverCpu ? { serverCpuUsPerOp: (server1 - server0) / Math.max(1, ops) } : {}),
  };
}

/** Prints measurements as a Markdown table, with throughput and p99 ratios to `baseline`. */
export function printTable(title: string, rows: Measurement[], baseline: string): string {
  const base = new Map<number, Measurement>();
  for (const r of rows) if (r.name === baseline) base.set(r.concurrency, r);
  const server = rows.some((r) => r.serverCpuUsPerOp !== undefined);
  const lines = [
    `### ${title}`,
    "",
    `| implementation | conc. | ops/s | p50 ms | p99 ms | client CPU µs/op |${server ? " Redis CPU µs/op |" : ""} ops/s vs ${baseline} | p99 vs ${baseline} |`,
    `|---|---:|---:|---:|---:|---:|${server ? "---:|" : ""}---:|---:|`,
  ];
  for (const r of rows) {
    const b = base.get(r.concurrency);
    const serverCell = server ? ` ${r.serverCpuUsPerOp?.toFixed(1) ?? "–"} |` : "";
    lines.push(
      `| ${r.name} | ${r.concurrency} | ${Math.round(r.opsPerSec).toLocaleString("en-US")} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${r.cpuUsPerOp.toFixed(1)} |${serverCell} ${b ? (r.opsPerSec / b.opsPerSec).toFixed(2) + "×" : "–"} | ${b ? (r.p99Ms / b.p99Ms).toFixed(2) + "×" : "–"} |`,
    );
  }
  const text = lines.join("\n");
  console.log(`\n${text}\n`);
  return text;
}

/** Node and machine facts printed above every table, so figures can be compared honestly. */
export async function environmentLine(redisVersion?: string): Promise<string> {
  const os = await import("node:os");
  return `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}${redisVersion ? `, Redis ${redisVersion}` : ""}`;
}
