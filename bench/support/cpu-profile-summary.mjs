// Sums a `node --cpu-prof` profile's self time by category (kernel socket writes split by who
// wrote them, Node's HTTP machinery, Fastify or Express, zod, pino, ioredis, the app's own code…),
// in % of the process's busy time: the table of bench/RESULTS.md's HTTP section.
//
//   BENCH_LOCKS_ONLY=1 BENCH_CPU_PROF=$PWD/.tmp/prof BENCH_SERVERS=0,1 BENCH_ROUNDS=1 npm run bench:http
//   for f in .tmp/prof/*.0.001.cpuprofile; do node bench/support/cpu-profile-summary.mjs "$f"; done
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
const self = new Map();
for (let i = 0; i < p.samples.length; i++)
  self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const cat = new Map();
const add = (k, t) => cat.set(k, (cat.get(k) ?? 0) + t);
function writer(n) {
  for (let q = parent.get(n.id); q; q = parent.get(q.id)) {
    const u = q.callFrame.url;
    if (u.includes("ioredis") || u.includes("write-coalescer") || u.includes("redis-store"))
      return "socket writes: Redis commands";
    if (u.includes("_http_outgoing") || u.includes("_http_server")) return "socket writes: HTTP responses";
  }
  return "socket writes: other";
}
let idle = 0,
  total = 0;
for (const n of p.nodes) {
  const t = self.get(n.id) ?? 0;
  total += t;
  const { url, functionName: f } = n.callFrame;
  if (f === "(idle)") {
    idle += t;
    continue;
  }
  if (f === "writeUtf8String" || f === "writev" || f === "writeBuffer") add(writer(n), t);
  else if (f === "(garbage collector)") add("garbage collector", t);
  else if (
    /node_modules\/(fastify|find-my-way|@fastify|light-my-request|avvio|fast-json-stringify|toad-cache|process-warning|rfdc|fast-querystring|abstract-logging)/.test(
      url,
    )
  )
    add("Fastify (routing, hooks, reply)", t);
  else if (/node_modules\/secure-json-parse/.test(url)) add("body JSON parse (secure-json-parse)", t);
  else if (/node_modules\/zod/.test(url)) add("zod validation", t);
  else if (
    /node_modules\/(pino|sonic-boom|quick-format|on-exit|thread-stream|fast-redact|safe-stable)/.test(url)
  )
    add("pino (per-request child logger)", t);
  else if (/node_modules\/prom-client/.test(url)) add("prom-client metrics", t);
  else if (/node_modules\/(ioredis|redis-parser|denque|cluster-key-slot|standard-as-callback)/.test(url))
    add("ioredis", t);
  else if (
    /node_modules\/(express|router|body-parser|raw-body|type-is|parseurl|send|finalhandler|qs|depd|on-finished|content-type|iconv|media-typer|mime)/.test(
      url,
    )
  )
    add("Express + its middleware", t);
  else if (/\/(dist|src|bench|examples)\//.test(url)) add("own code (Holdfast / the peer)", t);
  else if (
    /^node:(_http|net|internal\/streams|internal\/stream_base|events|internal\/process|internal\/timers|buffer|internal\/crypto)/.test(
      url,
    )
  )
    add("Node HTTP, streams, events", t);
  else if (
    /^node:internal\/modules|^node:internal\/deps\/cjs/.test(url) ||
    f === "wrapSafe" ||
    f === "compileSourceTextModule"
  )
    add("module loading (start-up)", t);
  else add("other (program, native, V8)", t);
}
const busy = total - idle;
console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms`);
for (const [k, v] of [...cat].sort((a, b) => b[1] - a[1]))
  console.log(`${((100 * v) / busy).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
