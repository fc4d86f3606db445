/**
 * Private Redis topologies started from the `redis-server` binary on free ports, for fault tests,
 * `npm run chaos` and `npm run demo:cluster`: a node that can be killed, paused and restarted (with
 * or without AOF), a Sentinel set (one master, one replica, three sentinels) and a Redis Cluster
 * with one replica per master that can fail over and move slots. Everything it starts it stops,
 * and its temporary folders go with it.
 *
 * It imports nothing from Holdfast: the tests (through test/support) and the benchmarks share it.
 * Timing knobs (`down-after-milliseconds`, `cluster-node-timeout`) are parameters, so tests run
 * with short ones; every wait polls a condition with a generous bound, never a fixed sleep.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface HostPort {
  host: string;
  port: number;
}

const HOST = "127.0.0.1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

/** Ports handed out by this process, so two topologies started at once never pick the same one. */
const handedOut = new Set<number>();

/** A free port whose cluster bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if (handedOut.has(port) || handedOut.has(port + 10000) || handedOut.has(port - 10000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10000))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("no free port found");
}

/** Polls `check` every `intervalMs` until it is true; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** Runs `redis-cli -p port …args` without blocking the event loop; resolves to its trimmed output. */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-h", HOST, "-p", String(port), ...args], { timeout: 10_000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.trim());
    });
  });
}

/** `field:value` lines of INFO or CLUSTER INFO as a map. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

/** How a {@link RedisNode} persists its data. */
export type Persistence = "none" | "aof-always" | "aof-everysec";

export interface RedisNodeOptions {
  port?: number;
  /** @defaultValue "none" */
  persistence?: Persistence;
  /** Started as a replica of this port. */
  replicaOf?: number;
  /** Extra `redis-server` arguments. */
  args?: string[];
}

/**
 * One redis-server process. Its data folder lives as long as the node, so a restart after
 * {@link kill} finds its AOF (and, on a cluster, its nodes.conf) again.
 */
export class RedisNode {
  readonly port: number;
  readonly dir: string;
  private proc: ChildProcess | undefined;
  private paused = false;

  protected constructor(
    port: number,
    private readonly args: string[],
  ) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), "holdfast-node-"));
  }

  static async start(options: RedisNodeOptions = {}): Promise<RedisNode> {
    const persistence = options.persistence ?? "none";
    const args = [
      "--save",
      "",
      "--appendonly",
      persistence === "none" ? "no" : "yes",
      ...(persistence === "none"
        ? []
        : ["--appendfsync", persistence === "aof-always" ? "always" : "everysec"]),
      ...(options.replicaOf !== undefined ? ["--replicaof", HOST, String(options.replicaOf)] : []),
      // Redis 7 syncs replicas diskless and by default waits 5 s for more replicas to join each
      // full sync: every replica (at start and after a failover) spent 5 s idle before its link
      // came up (SentinelSet.start took 7.3 s instead of 2.3 s). A single replica per master has
      // nobody to wait for.
      "--repl-diskless-sync-delay",
      "0",
      ...(options.args ?? []),
    ];
    const node = new RedisNode(options.port ?? (await freePort()), args);
    try {
      await node.start();
    } catch (e) {
      await node.stop();
      throw e;
    }
    return node;
  }

  get host(): string {
    return HOST;
  }

  get url(): string {
    return `redis://${HOST}:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  /** The process id while running (for SIGSTOP from outside, e.g. the chaos harness). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the process (again) on the same port and folder, and waits until it answers PING. */
  async start(): Promise<void> {
    if (this.proc) return;
    this.spawn([
      "--port",
      String(this.port),
      "--bind",
      HOST,
      "--dir",
      this.dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
      "--logfile",
      join(this.dir, "redis.log"),
      ...this.args,
    ]);
    await waitFor(
      async () => (await redisCli(this.port, "PING").catch(() => "")) === "PONG",
      20_000,
      `redis-server on port ${this.port}`,
    );
  }

  /** Starts the binary with a config file (Sentinel needs one it can rewrite). */
  protected spawnWith(args: string[]): void {
    this.spawn(args);
  }

  private spawn(args: string[]): void {
    const proc = spawn("redis-server", args, { stdio: "ignore" });
    this.proc = proc;
    this.paused = false;
    proc.once("exit", () => {
      if (this.proc === proc) this.proc = undefined;
    });
  }

  /** `kill -9`, as a crash: nothing is flushed that was not already. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;
  }

  /** SIGSTOP: connections stay open, nothing is answered (a stalled server). */
  pause(): void {
    if (this.proc && !this.paused) {
      this.paused = true;
      this.proc.kill("SIGSTOP");
    }
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    if (this.proc && this.paused) {
      this.paused = false;
      this.proc.kill("SIGCONT");
    }
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** `redis-cli` against this node. */
  cli(...args: string[]): Promise<string> {
    return redisCli(this.port, ...args);
  }

  async info(section: string): Promise<Map<string, string>> {
    return parseInfo(await this.cli("INFO", section));
  }

  /** Kills the process and removes its folder. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Sentinel process: a RedisNode started with `--sentinel` and a config file it owns. */
class SentinelNode extends RedisNode {
  static async startSentinel(options: {
    name: string;
    masterPort: number;
    downAfterMs: number;
    failoverTimeoutMs: number;
  }): Promise<SentinelNode> {
    const node = new SentinelNode(await freePort(), []);
    writeFileSync(
      join(node.dir, "sentinel.conf"),
      [
        `port ${node.port}`,
        `bind ${HOST}`,
        `dir ${node.dir}`,
        `logfile ${join(node.dir, "sentinel.log")}`,
        `sentinel monitor ${options.name} ${HOST} ${options.masterPort} 2`,
        `sentinel down-after-milliseconds ${options.name} ${options.downAfterMs}`,
        `sentinel failover-timeout ${options.name} ${options.failoverTimeoutMs}`,
        `sentinel parallel-syncs ${options.name} 1`,
        "",
      ].join("\n"),
    );
    await node.start();
    return node;
  }

  override async start(): Promise<void> {
    if (this.running) return;
    this.spawnWith([join(this.dir, "sentinel.conf"), "--sentinel"]);
    await waitFor(
      async () => (await redisCli(this.port, "PING").catch(() => "")) === "PONG",
      20_000,
      `sentinel on port ${this.port}`,
    );
  }
}

export interface SentinelSetOptions {
  /** The master group name. @defaultValue "holdfast" */
  name?: string;
  /** Sentinel's `down-after-milliseconds`: how long a silent master takes to be declared down. @defaultValue 5000 */
  downAfterMs?: number;
  /** Sentinel's `failover-timeout`. @defaultValue 10000 */
  failoverTimeoutMs?: number;
  /** Persistence of the data nodes. @defaultValue "none" */
  persistence?: Persistence;
  /** Extra `redis-server` arguments of the data nodes (e.g. `--min-replicas-to-write 1`). */
  nodeArgs?: string[];
}

/**
 * One master, one replica, three sentinels (quorum 2). Clients reach it through
 * {@link env} (`REDIS_SENTINELS`, `REDIS_SENTINEL_NAME`), as users configure Holdfast.
 */
export class SentinelSet {
  private constructor(
    readonly name: string,
    /** The two data nodes; which one is master changes with failovers (see {@link master}). */
    readonly nodes: RedisNode[],
    readonly sentinelNodes: RedisNode[],
  ) {}

  static async start(options: SentinelSetOptions = {}): Promise<SentinelSet> {
    const name = options.name ?? "holdfast";
    const persistence = options.persistence ?? "none";
    const started: RedisNode[] = [];
    try {
      const master = await RedisNode.start({ persistence, args: options.nodeArgs });
      started.push(master);
      const replica = await RedisNode.start({ persistence, replicaOf: master.port, args: options.nodeArgs });
      started.push(replica);
      await waitFor(
        async () => (await replica.info("replication")).get("master_link_status") === "up",
        20_000,
        "the replica to sync",
      );
      const sentinels: RedisNode[] = [];
      for (let i = 0; i < 3; i++) {
        const s = await SentinelNode.startSentinel({
          name,
          masterPort: master.port,
          downAfterMs: options.downAfterMs ?? 5000,
          failoverTimeoutMs: options.failoverTimeoutMs ?? 10_000,
        });
        started.push(s);
        sentinels.push(s);
      }
      const set = new SentinelSet(name, [master, replica], sentinels);
      await set.waitSettled(30_000);
      return set;
    } catch (e) {
      await Promise.all(started.map((n) => n.stop()));
      throw e;
    }
  }

  /** The sentinels' addresses. */
  get sentinels(): HostPort[] {
    return this.sentinelNodes.map((s) => ({ host: s.host, port: s.port }));
  }

  /** The environment a Holdfast process needs to use this set. */
  get env(): { REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string } {
    return {
      REDIS_SENTINELS: this.sentinels.map((s) => `${s.host}:${s.port}`).join(","),
      REDIS_SENTINEL_NAME: this.name,
    };
  }

  /** The master's port as the first sentinel that answers says. */
  async masterPort(): Promise<number> {
    for (const s of this.sentinelNodes) {
      if (!s.running) continue;
      const out = await s.cli("SENTINEL", "get-master-addr-by-name", this.name).catch(() => "");
      const port = Number(out.split(/\s+/)[1]);
      if (Number.isInteger(port) && port > 0) return port;
    }
    throw new Error("no sentinel answered");
  }

  /** The data node that is master now. */
  async master(): Promise<RedisNode> {
    const port = await this.masterPort();
    return this.nodes.find((n) => n.port === port)!;
  }

  /** The data node that is not the master. */
  async replica(): Promise<RedisNode> {
    const port = await this.masterPort();
    return this.nodes.find((n) => n.port !== port)!;
  }

  /**
   * Waits until every sentinel agrees on the master, which says it is master, sees the other two
   * sentinels and a replica whose link is up.
   */
  async waitSettled(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const ports = new Set<number>();
        for (const s of this.sentinelNodes) {
          const fields = (await s.cli("SENTINEL", "master", this.name)).split(/\r?\n/);
          const get = (k: string) => fields[fields.indexOf(k) + 1];
          if (Number(get("num-other-sentinels")) < 2 || Number(get("num-slaves")) < 1) return false;
          if (get("flags") !== "master") return false;
          ports.add(Number(get("port")));
        }
        if (ports.size !== 1) return false;
        const [port] = ports;
        for (const s of this.sentinelNodes) {
          const replicas = (await s.cli("SENTINEL", "REPLICAS", this.name)).split(/\r?\n/);
          const flags = replicas[replicas.indexOf("flags") + 1] ?? "";
          if (flags !== "slave") return false; // s_down, disconnected or not known yet
        }
        const master = this.nodes.find((n) => n.port === port);
        const other = this.nodes.find((n) => n.port !== port);
        if (!master?.running || !other?.running) return false;
        if ((await master.info("replication")).get("role") !== "master") return false;
        return (await other.info("replication")).get("master_link_status") === "up";
      },
      timeoutMs,
      "the Sentinel set to settle (one master, its replica in sync, three sentinels that see each other)",
      100,
    );
  }

  /** Waits until the sentinels name a master other than `oldPort`, and it accepts writes. */
  async waitForNewMaster(oldPort: number, timeoutMs = 30_000): Promise<RedisNode> {
    let found: RedisNode | undefined;
    await waitFor(
      async () => {
        const port = await this.masterPort();
        if (port === oldPort) return false;
        const node = this.nodes.find((n) => n.port === port);
        if (!node?.running) return false;
        if ((await node.info("replication")).get("role") !== "master") return false;
        found = node;
        return true;
      },
      timeoutMs,
      `a failover away from port ${oldPort}`,
      50,
    );
    return found!;
  }

  /**
   * Asks the sentinels for a failover (`SENTINEL FAILOVER`, no agreement needed) and waits for it.
   * The old master becomes a replica of the new one.
   */
  async failover(timeoutMs = 30_000): Promise<RedisNode> {
    const old = await this.masterPort();
    await waitFor(
      async () => (await this.sentinelNodes[0].cli("SENTINEL", "FAILOVER", this.name)) === "OK",
      timeoutMs,
      "SENTINEL FAILOVER to be accepted",
      200,
    );
    return this.waitForNewMaster(old, timeoutMs);
  }

  /**
   * Starts a killed data node again as a replica of the current master (as an operator would, and
   * as the sentinels would do themselves within seconds), and waits until the set is settled.
   */
  async restartAsReplica(node: RedisNode, timeoutMs = 60_000): Promise<void> {
    const master = await this.master();
    await node.start();
    await node.cli("REPLICAOF", master.host, String(master.port));
    await this.waitSettled(timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinelNodes, ...this.nodes].map((n) => n.stop()));
  }
}

/** One line of CLUSTER NODES. */
export interface ClusterNodeView {
  id: string;
  port: number;
  role: "master" | "replica";
  /** The master's id, for a replica. */
  masterId: string | null;
  failed: boolean;
  /** `[from, to]` slot ranges owned (masters). */
  slots: [number, number][];
}

export function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .split(/\r?\n/)
    .filter(Boolean)
    .map((line) => {
      const f = line.split(" ");
      const flags = f[2].split(",");
      const slots: [number, number][] = [];
      for (const s of f.slice(8)) {
        if (s.startsWith("[")) continue; // a slot being migrated or imported
        const [a, b] = s.split("-").map(Number);
        slots.push([a, b ?? a]);
      }
      return {
        id: f[0],
        port: Number(/:(\d+)@/.exec(f[1])?.[1] ?? /:(\d+)/.exec(f[1])?.[1]),
        role: flags.includes("master") ? ("master" as const) : ("replica" as const),
        masterId: f[3] === "-" ? null : f[3],
        failed: flags.includes("fail") || flags.includes("fail?"),
        slots,
      };
    });
}

export interface ClusterOptions {
  /** @defaultValue 3 */
  masters?: number;
  /** Replicas per master. @defaultValue 1 */
  replicas?: number;
  /** `cluster-node-timeout`: how long a silent master takes to be failed over. @defaultValue 2000 */
  nodeTimeoutMs?: number;
  /** @defaultValue "none" */
  persistence?: Persistence;
}

/** A private Redis Cluster, by default three masters with one replica each. */
export class ReplicatedCluster {
  private constructor(
    readonly nodes: RedisNode[],
    private readonly replicasPerMaster: number,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<ReplicatedCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicas ?? 1;
    const nodes: RedisNode[] = [];
    try {
      const started = await Promise.all(
        Array.from({ length: masters * (1 + replicas) }, () =>
          RedisNode.start({
            persistence: options.persistence ?? "none",
            args: [
              "--cluster-enabled",
              "yes",
              "--cluster-config-file",
              "nodes.conf",
              "--cluster-node-timeout",
              String(options.nodeTimeoutMs ?? 2000),
              // A replica whose link was down a while may still be promoted (tests fail masters
              // soon after start, under load).
              "--cluster-replica-validity-factor",
              "0",
            ],
          }),
        ),
      );
      nodes.push(...started);
      await new Promise<void>((resolve, reject) => {
        execFile(
          "redis-cli",
          [
            "--cluster",
            "create",
            ...nodes.map((n) => `${HOST}:${n.port}`),
            "--cluster-replicas",
            String(replicas),
            "--cluster-yes",
          ],
          { timeout: 60_000 },
          (err, stdout, stderr) =>
            err ? reject(new Error(`redis-cli --cluster create failed: ${stderr || stdout}`)) : resolve(),
        );
      });
      const cluster = new ReplicatedCluster(nodes, replicas);
      await cluster.waitHealthy(60_000);
      return cluster;
    } catch (e) {
      await Promise.all(nodes.map((n) => n.stop()));
      throw e;
    }
  }

  get seeds(): HostPort[] {
    return this.nodes.map((n) => ({ host: n.host, port: n.port }));
  }

  /** `REDIS_CLUSTER_NODES` for a Holdfast process. */
  get env(): { REDIS_CLUSTER_NODES: string } {
    return { REDIS_CLUSTER_NODES: this.seeds.map((s) => `${s.host}:${s.port}`).join(",") };
  }

  node(port: number): RedisNode {
    const n = this.nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no node on port ${port}`);
    return n;
  }

  /** The cluster as a running node sees it. */
  async view(): Promise<ClusterNodeView[]> {
    let last: unknown;
    for (const n of this.nodes) {
      if (!n.running) continue;
      try {
        return parseClusterNodes(await n.cli("CLUSTER", "NODES"));
      } catch (e) {
        last = e;
      }
    }
    throw new Error(`no cluster node answered: ${String(last)}`);
  }

  /** The master that owns `slot` now. */
  async ownerOf(slot: number): Promise<ClusterNodeView> {
    const owner = (await this.view()).find(
      (v) => v.role === "master" && !v.failed && v.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    if (!owner) throw new Error(`no master owns slot ${slot}`);
    return owner;
  }

  /** A replica of the master `masterId`. */
  async replicaOf(masterId: string): Promise<ClusterNodeView> {
    const r = (await this.view()).find((v) => v.role === "replica" && v.masterId === masterId && !v.failed);
    if (!r) throw new Error(`master ${masterId} has no healthy replica`);
    return r;
  }

  /**
   * Waits until every running node says `cluster_state:ok`, agrees on who owns every slot, and
   * every master has its replicas with a live link.
   */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        const running = this.nodes.filter((n) => n.running);
        const views: string[] = [];
        for (const n of running) {
          if (parseInfo(await n.cli("CLUSTER", "INFO")).get("cluster_state") !== "ok") return false;
          const v = parseClusterNodes(await n.cli("CLUSTER", "NODES"));
          if (v.some((x) => x.failed && this.nodes.some((m) => m.port === x.port && m.running))) return false;
          views.push(
            v
              .filter((x) => x.role === "master" && x.slots.length > 0)
              .map((x) => `${x.port}:${JSON.stringify(x.slots)}`)
              .sort()
              .join("|"),
          );
        }
        if (new Set(views).size !== 1) return false;
        for (const n of running) {
          const info = await n.info("replication");
          if (info.get("role") === "slave" && info.get("master_link_status") !== "up") return false;
        }
        const masters = (await this.view()).filter((x) => x.role === "master" && x.slots.length > 0);
        const replicas = (await this.view()).filter((x) => x.role === "replica" && !x.failed);
        return (
          replicas.length >=
          Math.min(masters.length * this.replicasPerMaster, running.length - masters.length)
        );
      },
      timeoutMs,
      "the cluster to be healthy (state ok, one slot map, replicas in sync)",
      100,
    );
  }

  /**
   * `CLUSTER FAILOVER` on a replica of the master owning `slot`: a coordinated switch with no
   * lost writes. Resolves to the new master's port once every running node agrees.
   */
  async failover(slot: number, timeoutMs = 30_000): Promise<number> {
    const owner = await this.ownerOf(slot);
    const replica = await this.replicaOf(owner.id);
    await this.node(replica.port).cli("CLUSTER", "FAILOVER");
    await this.waitOwner(slot, replica.port, timeoutMs);
    return replica.port;
  }

  /**
   * `kill -9` of the master owning `slot`; resolves (to the killed node's port) once its replica
   * was promoted. Restart the node with `node(port).start()`: it rejoins as a replica.
   */
  async killMaster(slot: number, timeoutMs = 30_000): Promise<{ killed: number; promoted: number }> {
    const owner = await this.ownerOf(slot);
    const replica = await this.replicaOf(owner.id);
    await this.node(owner.port).kill();
    await this.waitOwner(slot, replica.port, timeoutMs);
    return { killed: owner.port, promoted: replica.port };
  }

  /** Waits until every running node says `slot` belongs to the master on `port`. */
  async waitOwner(slot: number, port: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        for (const n of this.nodes.filter((x) => x.running)) {
          const owner = parseClusterNodes(await n.cli("CLUSTER", "NODES")).find(
            (v) => v.role === "master" && v.slots.some(([a, b]) => slot >= a && slot <= b),
          );
          if (owner?.port !== port) return false;
        }
        return parseInfo(await this.node(port).cli("CLUSTER", "INFO")).get("cluster_state") === "ok";
      },
      timeoutMs,
      `slot ${slot} to be served by port ${port}`,
      50,
    );
  }

  /**
   * Moves `slot`, with its keys, to another master, the way `redis-cli --cluster reshard` does:
   * IMPORTING on the target, MIGRATING on the source, `MIGRATE` of the keys in batches, then
   * `SETSLOT … NODE` everywhere. While it runs, clients get `ASK` for keys already moved (and
   * `TRYAGAIN` for multi-key commands split between the two); afterwards `MOVED`.
   * `pauseMs` waits between batches so a live workload sees the migrating state.
   */
  async migrateSlot(
    slot: number,
    options: { to?: number; batch?: number; pauseMs?: number } = {},
  ): Promise<{ from: number; to: number; keys: number }> {
    const view = await this.view();
    const source = await this.ownerOf(slot);
    const target =
      options.to !== undefined
        ? view.find((v) => v.port === options.to)!
        : view.find((v) => v.role === "master" && !v.failed && v.id !== source.id && v.slots.length > 0)!;
    const src = this.node(source.port);
    const dst = this.node(target.port);
    await dst.cli("CLUSTER", "SETSLOT", String(slot), "IMPORTING", source.id);
    await src.cli("CLUSTER", "SETSLOT", String(slot), "MIGRATING", target.id);
    let moved = 0;
    for (;;) {
      const keys = (await src.cli("CLUSTER", "GETKEYSINSLOT", String(slot), String(options.batch ?? 10)))
        .split(/\r?\n/)
        .filter(Boolean);
      if (keys.length === 0) break;
      const out = await src.cli(
        "MIGRATE",
        HOST,
        String(target.port),
        "",
        "0",
        "5000",
        "REPLACE",
        "KEYS",
        ...keys,
      );
      if (out !== "OK" && out !== "NOKEY") throw new Error(`MIGRATE failed: ${out}`);
      moved += keys.length;
      if (options.pauseMs) await sleep(options.pauseMs);
    }
    // The target first, so the source's MOVED never points at a node that would bounce it back.
    await dst.cli("CLUSTER", "SETSLOT", String(slot), "NODE", target.id);
    await src.cli("CLUSTER", "SETSLOT", String(slot), "NODE", target.id);
    for (const n of this.nodes.filter((x) => x.running && x !== src && x !== dst)) {
      await n.cli("CLUSTER", "SETSLOT", String(slot), "NODE", target.id).catch(() => "");
    }
    await this.waitOwner(slot, target.port);
    return { from: source.port, to: target.port, keys: moved };
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
