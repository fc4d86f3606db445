/**
 * Starts private redis-server processes (standalone or a 3-master cluster) on free ports, so tests
 * are isolated from whatever else uses 127.0.0.1:6379 and can stop and restart Redis at will.
 * It imports nothing from Holdfast: the tests (through test/support), the benchmarks and the
 * flash-sale demo share it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function redisServerAvailable(): { ok: true } | { ok: false; why: string } {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    return { ok: false, why: "the redis-server binary is not installed (apt-get install -y redis-server)" };
  return { ok: true };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** A port that is free, and whose cluster bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if ((await portFree(port)) && (await portFree(port + 10000))) return port;
  }
  throw new Error("no free port found");
}

async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function cli(port: number, ...args: string[]): string {
  const r = spawnSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8" });
  return (r.stdout ?? "").trim();
}

/** A private redis-server that can be stopped and started again on the same port. */
export class PrivateRedis {
  private proc: ChildProcess | undefined;
  private readonly dir: string;

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "holdfast-redis-"));
  }

  static async start(options: { port?: number; args?: string[] } = {}): Promise<PrivateRedis> {
    const r = new PrivateRedis(options.port ?? (await freePort()), options.args ?? []);
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.proc) return;
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      this.dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
      ...this.extraArgs,
    ];
    const proc = spawn("redis-server", args, { stdio: "ignore" });
    this.proc = proc;
    proc.once("exit", () => {
      if (this.proc === proc) this.proc = undefined;
    });
    await waitFor(() => cli(this.port, "PING") === "PONG", 10_000, `redis-server on port ${this.port}`);
  }

  /** Stops the server abruptly (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGCONT");
    proc.kill("SIGKILL");
    await exited;
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing is answered, as in a stall. */
  pause(): void {
    this.proc?.kill("SIGSTOP");
  }

  /** Thaws a paused server (SIGCONT). */
  resume(): void {
    this.proc?.kill("SIGCONT");
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A private Redis Cluster of `masters` masters (no replicas) on free ports. */
export class PrivateCluster {
  private constructor(readonly nodes: PrivateRedis[]) {}

  static async start(masters = 3): Promise<PrivateCluster> {
    const nodes: PrivateRedis[] = [];
    try {
      for (let i = 0; i < masters; i++) {
        nodes.push(
          await PrivateRedis.start({
            args: [
              "--cluster-enabled",
              "yes",
              "--cluster-config-file",
              "nodes.conf",
              "--cluster-node-timeout",
              "2000",
            ],
          }),
        );
      }
      const r = spawnSync(
        "redis-cli",
        [
          "--cluster",
          "create",
          ...nodes.map((n) => `127.0.0.1:${n.port}`),
          "--cluster-replicas",
          "0",
          "--cluster-yes",
        ],
        { encoding: "utf8" },
      );
      if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stderr || r.stdout}`);
      await waitFor(
        () => nodes.every((n) => cli(n.port, "CLUSTER", "INFO").includes("cluster_state:ok")),
        20_000,
        "cluster_state:ok",
      );
      return new PrivateCluster(nodes);
    } catch (e) {
      await Promise.all(nodes.map((n) => n.stop()));
      throw e;
    }
  }

  get seeds(): { host: string; port: number }[] {
    return this.nodes.map((n) => ({ host: "127.0.0.1", port: n.port }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
