/** Options of the Redis store, and the client internals it may use (feature-detected). */
import type { Cluster, Redis } from "ioredis";
import type { Logger } from "../../util/log.js";

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
   * creates; a Cluster client keeps ioredis' timeouts. When the client's ioredis has no reply queue
   * to watch (or {@link useClientInternals} is false), the store sets the client's own
   * `commandTimeout` instead: the same limit and the same error, one timer per command.
   * @defaultValue false
   */
  enforceCommandTimeout?: boolean;
  /**
   * Use the parts of ioredis that are not its public API where they make operations cheaper: a
   * self-writing `EVALSHA` command, write coalescing (which reads the socket and the reply queue)
   * and the command watchdog. Each is checked when the store is made and used only if this
   * client's ioredis (5 or 6) has it; otherwise the store uses the public API with the same
   * behaviour: the same bytes on the wire, the same timeouts and errors. `false` uses the public
   * API only. {@link RedisStore.internals} says what was found. @defaultValue true
   */
  useClientInternals?: boolean;
  /**
   * While the client reconnects, at most this many operations wait (up to `commandTimeoutMs`) for it
   * to be ready; more fail at once with {@link StoreUnavailableError}. Bounded, so a long outage
   * never builds a queue that floods Redis on reconnect. @defaultValue 1000
   */
  maxWaitingWhileDisconnected?: number;
  logger: Logger;
}

/**
 * Which of ioredis' private parts a {@link RedisStore} uses (`true`) or replaces with the public API
 * (`false`, by choice or because this client's ioredis does not have them).
 */
export interface ClientInternals {
  /** Each `EVALSHA` is a subclass of the client's Command that writes itself (else `client.evalsha`). */
  scriptCommand: boolean;
  /** Writes are coalesced by corking the socket (else each command is written at once). */
  coalesceWrites: boolean;
  /** Command timeouts are one timer per connection (else ioredis' timer per command, if enforced). */
  commandWatchdog: boolean;
}
