/**
 * Every shell block of README.md and docs/ runs against a real `holdfast serve` (this checkout's
 * bin/holdfast.js, memory store, a free port, API keys required), or carries a skip marker with its
 * reason. Each document gets its own tenant (a client key in KEY and HOLDFAST_KEY, an admin key in
 * ADMIN, the server's address in HF), a fresh working directory and its own CLI keys file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintApiKey } from "../../src/server/auth/api-keys.js";
import { FileKeyStore } from "../../src/server/auth/key-store.js";
import { SHELL_LANGS } from "./markdown.js";
import { describeFailure, runShell, shellScript } from "./shell.js";
import { docsInScope, ROOT, skippedList } from "./docs-in-scope.js";

const docs = docsInScope()
  .map((d) => ({ doc: d.doc, blocks: d.blocks.filter((b) => SHELL_LANGS.has(b.lang)) }))
  .filter((d) => d.blocks.length > 0);
const dir = join(ROOT, ".tmp", `doc-shell-${process.pid}`);
const tenantOf = (doc: string) => doc.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "-");
const keys = new Map<string, { client: string; admin: string }>();
let server: ChildProcess | undefined;
let address = "";

/** Environment without this machine's Redis settings, so everything runs on the memory store. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("REDIS_")) env[k] = v;
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`holdfast serve exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`holdfast serve did not answer within 60 s:\n${output()}`);
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  const keysFile = join(dir, "server-keys.json");
  const keyStore = new FileKeyStore(keysFile);
  for (const { doc } of docs) {
    const tenant = tenantOf(doc);
    const client = mintApiKey({ name: `doc ${doc}`, role: "client", tenants: [tenant] });
    const admin = mintApiKey({ name: `doc ${doc} admin`, role: "admin", tenants: [tenant] });
    await keyStore.put(client.record);
    await keyStore.put(admin.record);
    keys.set(doc, { client: client.key, admin: admin.key });
  }
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  let output = "";
  server = spawn(
    process.execPath,
    ["bin/holdfast.js", "serve", "--port", String(port), "--host", "127.0.0.1"],
    {
      cwd: ROOT,
      env: { ...baseEnv(), HOLDFAST_KEYS_FILE: keysFile, HOLDFAST_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  server.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  await waitUntilUp(`http://${address}`, server, () => output);
}, 90_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
  const blocks = docs.flatMap((d) => d.blocks);
  const skipped = blocks.filter((b) => b.skip);
  console.log(
    `doc tests: ${blocks.length - skipped.length} shell blocks run against holdfast serve, ${skipped.length} skipped:\n${skippedList(skipped)}`,
  );
}, 30_000);

for (const { doc, blocks } of docs) {
  describe(doc, () => {
    for (const b of blocks.filter((b) => b.skip)) it.skip(`line ${b.line} — ${b.skip}`, () => {});
    const runnable = blocks.filter((b) => !b.skip);
    if (runnable.length === 0) return;
    it(`lines ${runnable.map((b) => b.line).join(", ")} run in order`, async () => {
      const cwd = join(dir, tenantOf(doc));
      mkdirSync(cwd, { recursive: true });
      const k = keys.get(doc)!;
      const r = await runShell(shellScript(runnable, address), {
        cwd,
        env: {
          HOLDFAST_ROOT: ROOT,
          HF: `http://${address}`,
          KEY: k.client,
          HOLDFAST_KEY: k.client,
          ADMIN: k.admin,
          HOLDFAST_KEYS_FILE: join(cwd, "cli-keys.json"),
          HOLDFAST_LOG_LEVEL: "warn",
        },
        timeoutMs: 120_000,
      });
      expect(r.code, describeFailure(doc, r)).toBe(0);
      expect(r.lastBlock).toBe(runnable.at(-1)!.line);
    }, 150_000);
  });
}
