/**
 * The harness side of client-worker.ts: starts the worker, answers its writes from the shared
 * {@link FencedRegister}, and on {@link PausableClient.pause} stops it with SIGSTOP right after it
 * got a lease, for longer than the lease lasts. When it wakes up, its writes carry a fence lower
 * than the next holder's and the register refuses them.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { FencedRegister } from "../support/workloads/fenced-register.js";

export class PausableClient {
  /** Writes the worker made after a pause, and how many the register refused. */
  lateWrites = 0;
  lateRefused = 0;
  private pending: { ms: number; started: (t: number) => void; ended: () => void } | undefined;
  private afterPause = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly register: FencedRegister,
  ) {
    child.on("message", (m: { t: string; fence: number; token: string }) => this.onMessage(m));
  }

  static start(env: Record<string, string>, register: FencedRegister): PausableClient {
    const child = fork(new URL("./client-worker.ts", import.meta.url).pathname, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, HOLDFAST_LOG_LEVEL: "silent", ...env },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    return new PausableClient(child, register);
  }

  /**
   * Stops the worker for `ms` right after its next acquire. Resolves with the time the pause
   * started (`performance.now()`), and once more through `ended` when it was resumed.
   */
  pause(ms: number): { started: Promise<number>; ended: Promise<void> } {
    let started!: (t: number) => void;
    let ended!: () => void;
    const s = new Promise<number>((r) => (started = r));
    const e = new Promise<void>((r) => (ended = r));
    this.pending = { ms, started, ended };
    return { started: s, ended: e };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGCONT");
    this.child.kill("SIGKILL");
    await exited;
  }

  private onMessage(m: { t: string; fence: number; token: string }): void {
    if (m.t === "holding") {
      const p = this.pending;
      if (!p) return void this.child.send({ t: "go" });
      this.pending = undefined;
      this.child.kill("SIGSTOP");
      p.started(performance.now());
      setTimeout(() => {
        this.child.kill("SIGCONT");
        this.afterPause = 2; // the two writes of the lease it held while stopped
        this.child.send({ t: "go" });
        p.ended();
      }, p.ms);
      return;
    }
    if (m.t === "write") {
      const accepted = this.register.write(m.fence, m.token);
      if (this.afterPause > 0) {
        this.afterPause--;
        this.lateWrites++;
        if (!accepted) this.lateRefused++;
      }
      this.child.send({ t: "written", accepted });
    }
  }
}
