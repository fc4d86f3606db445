/**
 * Several `holdfast serve` processes, as an operator runs them behind a load balancer: each is the
 * real CLI (`node bin/holdfast.js serve`) in its own process, on its own port, configured only
 * through the environment (e.g. `REDIS_CLUSTER_NODES`). An instance can be killed (-9) and started
 * again on the same port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, waitFor } from "./redis-topology.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export class ServeInstance {
  private proc: ChildProcess | undefined;
  private stderr = "";

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  /** Starts the process and waits until `/healthz` answers. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.proc) return;
    const proc = spawn(process.execPath, ["bin/holdfast.js", "serve", "--port", String(this.port)], {
      cwd: ROOT,
      env: { ...process.env, HOLDFAST_LOG_LEVEL: "warn", ...this.env, HOST: "127.0.0.1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.proc = proc;
    this.stderr = "";
    proc.stderr?.on("data", (d: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += d.toString();
    });
    proc.once("exit", () => {
      if (this.proc === proc) this.proc = undefined;
    });
    try {
      await waitFor(
        async () => {
          if (!this.proc) throw new Error(`${this.name} exited: ${this.stderr.slice(-2000)}`);
          return (await fetch(`${this.url}/healthz`)).ok;
        },
        timeoutMs,
        `holdfast serve ${this.name} on port ${this.port}`,
        100,
      );
    } catch (e) {
      await this.kill();
      throw e;
    }
  }

  /** `kill -9`: sockets drop, nothing is drained. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;
  }

  /** SIGTERM (drains in-flight requests), then -9 if it has not exited within 10 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** `count` instances named A, B, C…, started side by side. */
export class ServeFleet {
  private constructor(readonly instances: ServeInstance[]) {}

  static async start(count: number, env: Record<string, string>): Promise<ServeFleet> {
    const instances: ServeInstance[] = [];
    for (let i = 0; i < count; i++) {
      instances.push(new ServeInstance(String.fromCharCode(65 + i), await freePort(), env));
    }
    const fleet = new ServeFleet(instances);
    try {
      await Promise.all(instances.map((s) => s.start()));
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  get urls(): string[] {
    return this.instances.map((s) => s.url);
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((s) => s.stop()));
  }
}
