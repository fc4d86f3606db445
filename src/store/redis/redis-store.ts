import type { Cluster, Redis } from "ioredis";
import { StoreClosedError, StoreUnavailableError } from "../../errors/store-errors.js";
import type { Logger } from "../../util/log.js";
import { ReadyWaiter } from "../../util/ready-waiter.js";
import { ThrottledLog } from "../../util/log.js";
import { Keyspace } from "../keyspace.js";
import type { RawReply, Script, ScriptArg } from "../script.js";
import type { Store, StoreHealth, StoreMode } from "../types.js";
import { CommandWatchdog } from "./command-watchdog.js";
import { isNoScript, toStoreError } from "./redis-errors.js";
import { ScriptCommand } from "./script-command.js";

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client or cluster. The store never closes a client it did not create. */
  client: Redis | Cluster;
  /** Close the client on {@link RedisStore.close}. @defaultValue false */
  ownsClient?: boolean;
  /** Key prefix. @defaultValue `"holdfast:"` */
  prefix?: string;
  /**
   * Coalesce the commands issued in one tick while others are in flight into few socket writes
   * (see `coalesce`): `true` sends up to 8 commands per write, a number sets that cap, `false`
   * writes every command at once. @defaultValue true
   */
  coalesceWrites?: boolean | number;
  /**
   * How long a command may wait for its reply. Used for the error text of timeouts, and enforced
   * by the store itself when {@link enforceCommandTimeout} is set; otherwise it should equal the
   * client's own `commandTimeout`. @defaultValue 2000
   */
  commandTimeoutMs?: number;
  /**
   * Fail every command on this client that got no reply within `commandTimeoutMs` with one timer
   * for the connection ({@link CommandWatchdog}) rather than ioredis' timer per command, which
   * then should be unset. `createStore` does this for the standalone and Sentinel clients it
   * creates; a Cluster client keeps ioredis' timeouts. @defaultValue false
   */
  enforceCommandTimeout?: boolean;
  /**
   * While the client reconnects, at most this many operations wait (up to `commandTimeoutMs`) for it
   * to be ready; more fail at once with {@link StoreUnavailableError}. Bounded, so a long outage
   * never builds a queue that floods Redis on reconnect. @defaultValue 1000
   */
  maxWaitingWhileDisconnected?: number;
  logger: Logger;
}

/** First delay before a command refused unwritten is sent again (doubling, up to 200 ms). */
const UNSENT_RETRY_BASE_MS = 10;

const isConnectionClosed = (e: unknown) => e instanceof Error && e.message === "Connection is closed.";

/** Commands per socket write when coalescing (measured best of 4, 8, 16 and a whole tick). */
const DEFAULT_COMMANDS_PER_WRITE = 8;

type CorkableStream = { cork(): void; uncork(): void };

/**
 * The Redis store: each operation is one EVALSHA (one round trip). After a restart or failover the
 * server's script cache is empty; the store then sends the source once with EVAL (which also caches
 * it) and carries on, so callers never see NOSCRIPT.
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
  private readonly maxCommandsPerWrite: number;
  private waiting = 0;
  /** What client.evalsha(...) would give its Command: UTF-8 replies, the client's key prefix. */
  private readonly commandOptions: { replyEncoding: "utf8"; keyPrefix?: string };
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
    const keyPrefix = (this.client.options as { keyPrefix?: string }).keyPrefix;
    this.commandOptions = keyPrefix ? { replyEncoding: "utf8", keyPrefix } : { replyEncoding: "utf8" };
    const coalesce = options.coalesceWrites ?? true;
    this.maxCommandsPerWrite =
      coalesce === true
        ? DEFAULT_COMMANDS_PER_WRITE
        : coalesce === false
          ? 1
          : Math.max(1, Math.floor(coalesce));
    this.logger = options.logger;
    this.throttled = new ThrottledLog(options.logger);
    this.mode = isCluster(this.client)
      ? "cluster"
      : this.client.options.sentinels
        ? "sentinel"
        : "standalone";
    this.watchdog =
      options.enforceCommandTimeout && !isCluster(this.client)
        ? new CommandWatchdog(this.client, this.commandTimeoutMs)
        : undefined;
    this.client.on("error", (e: Error) =>
      this.throttled.warn("redis-error", { err: e.message }, "Redis: connection error"),
    );
  }

  run<A extends readonly ScriptArg[]>(script: Script<A>, keys: string[], args: A): Promise<RawReply> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    if (this.client.status !== "ready") return this.runWhenReady(script, keys, args);
    return this.exec(script, keys, args);
  }

  private exec<A extends readonly ScriptArg[]>(
    script: Script<A>,
    keys: string[],
    args: A,
    attempt = 0,
    deadline = 0,
  ): Promise<RawReply> {
    if (this.maxCommandsPerWrite > 1) this.coalesce();
    // The command writes itself (see ScriptCommand): the same bytes as client.evalsha(...), without
    // ioredis' per-argument conversion, and with frozen argument arrays encoded once.
    const command = new ScriptCommand(script.sha, keys, args, this.commandOptions);
    return (this.client.sendCommand(command) as Promise<RawReply>).catch((e: unknown) => {
      if (!command.written && isConnectionClosed(e) && !this.closed) {
        // ioredis Cluster refuses a command for a node whose connection is not ready yet with
        // "Connection is closed." before writing it (its own resend of such commands is off, see
        // createRedisClient, because it resends written ones too). Never sent, so never run: send
        // it again shortly, for up to commandTimeoutMs, as a command waits for a reconnect.
        const until = deadline || performance.now() + this.commandTimeoutMs;
        const delay = Math.min(200, UNSENT_RETRY_BASE_MS * 2 ** attempt);
        if (performance.now() + delay < until) {
          return new Promise<void>((r) => setTimeout(r, delay)).then(() =>
            this.exec(script, keys, args, attempt + 1, until),
          );
        }
      }
      if (isNoScript(e)) {
        return (this.client.eval(script.lua, script.numKeys, ...keys, ...args) as Promise<RawReply>).catch(
          (e2: unknown) => {
            throw toStoreError(e2, script.name, this.commandTimeoutMs);
          },
        );
      }
      throw toStoreError(e, script.name, this.commandTimeoutMs);
    });
  }

  /** The socket corked for the current tick, if any, and how many commands it holds. */
  private corkedStream: CorkableStream | undefined;
  private corkedCommands = 0;

  /**
   * Write coalescing, called just before a command is written. When nothing is in flight on the
   * connection the command is written at once: an idle server should start at once, and a corked
   * single command only adds work. Otherwise the socket is corked until the end of the tick, so
   * the commands issued in this tick leave in few `writev` calls instead of one syscall each (the
   * socket write is the largest client-side cost of an operation), and it is flushed every
   * `maxCommandsPerWrite` commands, so the server starts on the first ones while the client is
   * still producing the rest instead of both taking turns. Unlike ioredis' auto-pipelining this
   * adds no queue and no timer. (Cluster clients have one socket per node and are left as they are.)
   */
  private coalesce(): void {
    const stream = this.corkedStream;
    if (stream) {
      if (++this.corkedCommands >= this.maxCommandsPerWrite) {
        stream.uncork();
        stream.cork();
        this.corkedCommands = 0;
      }
      return;
    }
    const client = this.client as unknown as { stream?: CorkableStream; commandQueue?: { length: number } };
    if (!client.stream || !client.commandQueue || client.commandQueue.length === 0) return;
    const corked = client.stream;
    this.corkedStream = corked;
    this.corkedCommands = 1;
    corked.cork();
    process.nextTick(() => {
      this.corkedStream = undefined;
      corked.uncork();
    });
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
  waitReady(timeoutMs: number): Promise<void> {
    return this.ready.wait(
      timeoutMs,
      () =>
        new StoreUnavailableError(
          `Redis was not ready within ${timeoutMs} ms (status: ${this.client.status})`,
        ),
    );
  }

  /** Opens the connection (if lazy) and waits until it is ready. */
  async connect(timeoutMs: number): Promise<void> {
    if (this.client.status === "wait") this.client.connect().catch(() => undefined);
    await this.waitReady(timeoutMs);
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
