import type { Cluster, Redis } from "ioredis";
import { StoreClosedError, StoreUnavailableError } from "../../errors/store-errors.js";
import { ReadyWaiter } from "../../util/ready-waiter.js";
import { ThrottledLog, type Logger } from "../../util/log.js";
import { Keyspace } from "../keyspace.js";
import type { RawReply, Script, ScriptArg } from "../script.js";
import type { ScanPage, Store, StoreHealth, StoreMode, TransportOptions } from "../types.js";
import type { Transport, TransportEvents } from "../../channel/transport.js";
import { RedisTransport } from "../../channel/redis-transport.js";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { CommandWatchdog } from "./command-watchdog.js";
import { isNoScript, toStoreError } from "./redis-errors.js";
import { fatalConnectError } from "./connect-errors.js";
import { scriptCommandFactory, type ScriptCommand, type ScriptCommandFactory } from "./script-command.js";
import { WriteCoalescer } from "./write-coalescer.js";
import { trackScriptsSent, type ScriptsSent } from "./scripts-sent.js";
import type { ClientInternals, RedisStoreOptions } from "./redis-store-options.js";

export type { ClientInternals, RedisStoreOptions } from "./redis-store-options.js";

/** First delay before a command refused unwritten is sent again (doubling, up to 200 ms). */
const UNSENT_RETRY_BASE_MS = 10;

const isConnectionClosed = (e: unknown) => e instanceof Error && e.message === "Connection is closed.";

/** Commands per socket write when coalescing (measured best of 4, 8, 16 and a whole tick). */
const DEFAULT_COMMANDS_PER_WRITE = 8;

/**
 * The Redis store: each operation is one EVALSHA (one round trip). A script's first run on a
 * connection is an EVAL (which also caches it; see scripts-sent.ts), and a server that answers
 * NOSCRIPT all the same (SCRIPT FLUSH under a live connection, a Cluster redirect) gets the source
 * once with EVAL, so callers never see NOSCRIPT.
 */
export class RedisStore implements Store {
  readonly kind = "redis" as const;
  readonly mode: StoreMode;
  readonly keys: Keyspace;
  readonly client: Redis | Cluster;
  private readonly ownsClient: boolean;
  /** How long a command may wait for its reply (see {@link RedisStoreOptions.commandTimeoutMs}). */
  readonly commandTimeoutMs: number;
  private readonly watchdog: CommandWatchdog | undefined;
  private readonly maxWaiting: number;
  private readonly logger: Logger;
  private readonly throttled: ThrottledLog;
  private readonly makeCommand: ScriptCommandFactory | undefined;
  private readonly coalescer: WriteCoalescer | undefined;
  /** Which of ioredis' private parts this store found and uses (see {@link ClientInternals}). */
  readonly internals: ClientInternals;
  private waiting = 0;
  /** What each connection has been sent: a script's first run on one is an EVAL (see scripts-sent.ts). */
  private readonly scriptsSent: ScriptsSent;
  private readonly ready: ReadyWaiter;
  private closed = false;
  private serverVersion: string | undefined;

  constructor(options: RedisStoreOptions) {
    this.client = options.client;
    this.ready = new ReadyWaiter(this.client);
    this.ownsClient = options.ownsClient ?? false;
    this.keys = new Keyspace(options.prefix);
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.maxWaiting = options.maxWaitingWhileDisconnected ?? 1000;
    const coalesce = options.coalesceWrites ?? true;
    const maxCommandsPerWrite =
      coalesce === true
        ? DEFAULT_COMMANDS_PER_WRITE
        : coalesce === false
          ? 1
          : Math.max(1, Math.floor(coalesce));
    this.logger = options.logger;
    this.throttled = new ThrottledLog(options.logger);
    const cluster = isCluster(this.client);
    this.mode = cluster ? "cluster" : this.client.options.sentinels ? "sentinel" : "standalone";

    // ioredis' private parts, each checked here, once, with the public API as the fallback.
    const internals = options.useClientInternals ?? true;
    const keyPrefix = (this.client.options as { keyPrefix?: string }).keyPrefix;
    this.scriptsSent = trackScriptsSent(this.client, keyPrefix);
    this.makeCommand = internals
      ? scriptCommandFactory(
          this.client as unknown as Parameters<typeof scriptCommandFactory>[0],
          keyPrefix ? { replyEncoding: "utf8", keyPrefix } : { replyEncoding: "utf8" },
        )
      : undefined;
    this.coalescer =
      internals && !cluster && maxCommandsPerWrite > 1
        ? WriteCoalescer.attach(this.client, maxCommandsPerWrite)
        : undefined;
    if (options.enforceCommandTimeout && !cluster) {
      if (internals && CommandWatchdog.canWatch(this.client)) {
        this.watchdog = new CommandWatchdog(this.client, this.commandTimeoutMs);
      } else {
        // ioredis reads this option for every command it sends: same limit, same error.
        this.client.options.commandTimeout = this.commandTimeoutMs;
      }
    }
    this.internals = {
      scriptCommand: this.makeCommand !== undefined,
      coalesceWrites: this.coalescer !== undefined,
      commandWatchdog: this.watchdog !== undefined,
    };
    if (internals) {
      this.logger.debug({ internals: this.internals }, "Redis: ioredis parts found and used");
    }
    this.client.on("error", (e: Error) =>
      this.throttled.warn("redis-error", { err: e.message }, "Redis: connection error"),
    );
  }

  run<A extends readonly ScriptArg[], R extends RawReply>(
    script: Script<A, R>,
    keys: string[],
    args: A,
  ): Promise<R> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    // The one place a reply from Redis takes the type its script declares: the Lua script returns
    // what its twin returns (the conformance suites run every primitive on both stores).
    if (this.client.status !== "ready") return this.runWhenReady(script, keys, args) as Promise<R>;
    return this.exec(script, keys, args) as Promise<R>;
  }

  private exec<A extends readonly ScriptArg[]>(
    script: Script<A>,
    keys: string[],
    args: A,
    attempt = 0,
    deadline = 0,
  ): Promise<RawReply> {
    this.coalescer?.beforeWrite();
    const { command, sent } = this.send(script, keys, args, this.scriptsSent.firstRun(script.sha, keys[0]));
    return sent.catch((e: unknown) => {
      if (command && !command.written && isConnectionClosed(e) && !this.closed) {
        // ioredis Cluster refuses a command for a node whose connection is not ready yet with
        // "Connection is closed." before writing it (its own resend of such commands is off, see
        // createRedisClient, because it resends written ones too). Never sent, so never run: send
        // it again shortly, for up to commandTimeoutMs, as a command waits for a reconnect. (On
        // the public path, client.evalsha, whether it was written is unknown: it is not resent.)
        const until = deadline || performance.now() + this.commandTimeoutMs;
        const delay = Math.min(200, UNSENT_RETRY_BASE_MS * 2 ** attempt);
        if (performance.now() + delay < until) {
          return new Promise<void>((r) => setTimeout(r, delay)).then(() =>
            this.exec(script, keys, args, attempt + 1, until),
          );
        }
      }
      if (isNoScript(e)) {
        return this.send(script, keys, args, true).sent.catch((e2: unknown) => {
          throw toStoreError(e2, script.name, this.commandTimeoutMs);
        });
      }
      throw toStoreError(e, script.name, this.commandTimeoutMs);
    });
  }

  /**
   * Writes the script as EVALSHA, or with `asEval` as EVAL with its source (which also caches it).
   * With a factory the command writes itself (see script-command.ts): the same bytes as
   * client.evalsha(...), without ioredis' per-argument conversion, frozen arrays encoded once, and
   * a command that times out is not sent afterwards; `command` is then returned to tell whether it
   * was written.
   */
  private send<A extends readonly ScriptArg[]>(
    script: Script<A>,
    keys: string[],
    args: A,
    asEval: boolean,
  ): { command: ScriptCommand | undefined; sent: Promise<RawReply> } {
    const command = asEval
      ? this.makeCommand?.eval(script.lua, keys, args)
      : this.makeCommand?.(script.sha, keys, args);
    const sent = command
      ? this.client.sendCommand(command)
      : asEval
        ? this.client.eval(script.lua, script.numKeys, ...keys, ...args)
        : this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    return { command, sent: sent as Promise<RawReply> };
  }

  private async runWhenReady<A extends readonly ScriptArg[]>(
    script: Script<A>,
    keys: string[],
    args: A,
  ): Promise<RawReply> {
    const status = this.client.status;
    if (status === "end" || this.waiting >= this.maxWaiting) {
      throw new StoreUnavailableError(`Redis connection is ${status}`);
    }
    if (status === "wait") {
      // lazyConnect: the first operation opens the connection.
      this.client.connect().catch(() => undefined);
    }
    this.waiting++;
    try {
      await this.waitReady(this.commandTimeoutMs);
    } finally {
      this.waiting--;
    }
    if (this.closed) throw new StoreClosedError();
    return this.exec(script, keys, args);
  }

  /** Resolves when the client is ready; rejects with {@link StoreUnavailableError} after `timeoutMs`. */
  waitReady(timeoutMs: number, lastError?: () => string | undefined): Promise<void> {
    return this.ready.wait(timeoutMs, () => {
      const last = lastError?.();
      return new StoreUnavailableError(
        `Redis was not ready within ${timeoutMs} ms (status: ${this.client.status}${last ? `; last error: ${last}` : ""})`,
      );
    });
  }

  /**
   * Opens the connection (if lazy) and waits until it is ready. An error that waiting cannot cure
   * (wrong or missing credentials, a rejected certificate, and on a single server a refused
   * connection or an unknown host: see {@link fatalConnectError}) fails it at once, with Redis' own
   * words and what to do; other errors are retried until `timeoutMs`, and the last one is named in
   * the timeout's message.
   */
  async connect(timeoutMs: number): Promise<void> {
    if (this.client.status === "ready") return;
    let last: string | undefined;
    let onError: (e: unknown) => void = () => undefined;
    const fatal = new Promise<never>((_resolve, reject) => {
      onError = (e) => {
        const f = fatalConnectError(e, this.where());
        // With several nodes (Cluster seeds, Sentinels and the master they name), one refusing
        // node is no verdict: another may answer, or a failover may be under way.
        if (f && (this.mode === "standalone" || !(f.kind === "refused" || f.kind === "dns")))
          reject(new StoreUnavailableError(f.detail, { cause: e, fix: f.fix }));
        else last = e instanceof Error ? e.message : String(e);
      };
    });
    // Cluster clients report each node's failures as "node error" (error, address).
    this.client.on("error", onError);
    this.client.on("node error", onError);
    try {
      if (this.client.status === "wait") this.client.connect().catch(() => undefined);
      await Promise.race([this.waitReady(timeoutMs, () => last), fatal]);
    } finally {
      this.client.off("error", onError);
      this.client.off("node error", onError);
    }
  }

  /** The server this store talks to, without credentials, for messages. */
  private where(): string {
    if (isCluster(this.client)) {
      const seeds = (this.client as unknown as { startupNodes?: { host?: string; port?: number }[] })
        .startupNodes;
      return `the Redis Cluster ${seeds?.map((n) => `${n.host ?? "127.0.0.1"}:${n.port ?? 6379}`).join(",") ?? ""}`.trim();
    }
    const o = this.client.options;
    if (o.sentinels)
      return `the master "${o.name ?? "mymaster"}" of Sentinels ${o.sentinels.map((n) => `${n.host}:${n.port}`).join(",")}`;
    return `${o.tls ? "rediss" : "redis"}://${o.host ?? "127.0.0.1"}:${o.port ?? 6379}/${o.db ?? 0}`;
  }

  async *scan(pattern: string, options: { count?: number } = {}): AsyncIterable<string> {
    if (this.closed) throw new StoreClosedError();
    const nodes = isCluster(this.client) ? this.client.nodes("master") : [this.client];
    for (const node of nodes) {
      let cursor = "0";
      do {
        let reply: [string, string[]];
        try {
          reply = await node.scan(cursor, "MATCH", pattern, "COUNT", options.count ?? 500);
        } catch (e) {
          throw toStoreError(e, "SCAN", this.commandTimeoutMs);
        }
        cursor = reply[0];
        yield* reply[1];
      } while (cursor !== "0");
    }
  }

  async scanPage(pattern: string, options: { cursor?: string; count?: number } = {}): Promise<ScanPage> {
    if (this.closed) throw new StoreClosedError();
    const nodes = isCluster(this.client) ? this.client.nodes("master") : [this.client];
    // `r:<master index>:<SCAN cursor>`: a cluster is scanned one master after the other.
    let node = 0;
    let cursor = "0";
    if (options.cursor !== undefined) {
      const m = /^r:(\d{1,4}):(\d{1,20})$/.exec(options.cursor);
      if (!m || Number(m[1]) >= nodes.length) {
        throw new InvalidArgumentError("cursor", "is not a cursor of this store");
      }
      node = Number(m[1]);
      cursor = m[2];
    }
    let reply: [string, string[]];
    try {
      reply = await nodes[node].scan(cursor, "MATCH", pattern, "COUNT", options.count ?? 500);
    } catch (e) {
      throw toStoreError(e, "SCAN", this.commandTimeoutMs);
    }
    const next =
      reply[0] !== "0" ? `r:${node}:${reply[0]}` : node + 1 < nodes.length ? `r:${node + 1}:0` : null;
    return { keys: reply[1], cursor: next };
  }

  async health(): Promise<StoreHealth> {
    const base = { kind: "redis" as const, mode: this.mode };
    if (this.closed)
      return {
        ...base,
        status: "down",
        latencyMs: 0,
        serverVersion: this.serverVersion ?? "unknown",
        error: "closed",
      };
    const started = process.hrtime.bigint();
    try {
      if (this.client.status !== "ready") await this.connect(this.commandTimeoutMs);
      await this.client.ping();
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      this.serverVersion ??= await this.readServerVersion();
      return {
        ...base,
        status: "ok",
        latencyMs: Math.round(latencyMs * 1000) / 1000,
        serverVersion: this.serverVersion,
      };
    } catch (e) {
      return {
        ...base,
        status: "down",
        latencyMs: 0,
        serverVersion: this.serverVersion ?? "unknown",
        error: toStoreError(e, "PING", this.commandTimeoutMs).message,
      };
    }
  }

  private async readServerVersion(): Promise<string> {
    const node = isCluster(this.client) ? this.client.nodes("master")[0] : this.client;
    const info = await node.info("server");
    return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? "unknown";
  }

  /**
   * Channels on this store subscribe over connections of their own, duplicated from this client
   * (one per master on a cluster, SSUBSCRIBE on Redis 7+), opened at the channels' first subscribe.
   */
  openTransport(events: TransportEvents, options: TransportOptions): Transport {
    return new RedisTransport(this, events, options.subscribeTimeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchdog?.stop();
    if (!this.ownsClient) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
    this.logger.debug({}, "Redis: connection closed");
  }
}

export function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as Cluster).isCluster === true;
}
