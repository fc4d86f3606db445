import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { ScriptError } from "../errors/store-errors.js";
import { counter } from "../observe/metrics.js";
import type { Store } from "../store/types.js";
import { assertDurationMs, assertName } from "../util/validate.js";
import { resolveSessionOptions, type SessionOptions } from "./options.js";
import {
  listScript,
  pointerScript,
  pointerSetScript,
  putScript,
  recordScript,
  revokeAllScript,
  revokeScript,
  type RecordReply,
} from "./scripts/scripts.js";

/** A live session as Holdfast returns it. The raw token is never stored, so it is never returned. */
export interface Session<D = unknown> {
  /** The session's id: the SHA-256 (hex) of its token. Safe to show and log. */
  id: string;
  user: string;
  /** What `put` stored, or undefined. */
  data: D | undefined;
  /** When the session was first stored, ms since the epoch on the store's clock. */
  createdAtMs: number;
  /** The session's lifetime, restarted by each `touch`, in ms. */
  ttlMs: number;
  /** Time left before it expires, in ms. */
  expiresInMs: number;
}

/** What {@link Sessions.put} takes. */
export interface PutSessionInput<D = unknown> {
  /** The user the session belongs to; every session of a user lives under the user's hash tag. */
  user: string;
  /** Any JSON-serialisable data (claims, roles…). Never put the raw token in here. */
  data?: D;
  /** Lifetime in ms. @defaultValue the `ttlMs` option (24 h) */
  ttlMs?: number;
}

/** Optional hint: the user a token belongs to, when the caller already knows it (saves one round trip). */
export interface SessionLookup {
  user?: string;
}

const createdTotal = counter("holdfast_sessions_put_total", "Sessions stored or replaced.");
const revokedTotal = counter(
  "holdfast_sessions_revoked_total",
  "Sessions revoked (one by one or all of a user).",
);
const evictedTotal = counter(
  "holdfast_sessions_evicted_total",
  "Sessions removed because a user had too many.",
);

/** The SHA-256 (hex) of a token: the only form in which a token reaches the store. */
export function sessionId(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Session storage keyed by token, with a per-user index for listing and "sign out everywhere".
 *
 * Layout (works on Redis Cluster): the session record and the user's index live under the user's
 * hash tag, so `put`, `touch`, `revoke`, `list` and `revokeAll` change them in one atomic script.
 * A small pointer key under the token hash's own tag maps token → user for lookups by token alone;
 * it is only a pointer: the record in the user's slot decides whether a session is live.
 *
 * Tokens are stored only as SHA-256 hashes: a leaked snapshot of the store does not hand out live
 * tokens, and the raw tokens cannot be listed back.
 *
 * When the store is unreachable every method throws the typed store error (fail closed): a session
 * is never assumed valid on a guess.
 */
export class Sessions<D = unknown> {
  private readonly o: Required<SessionOptions>;

  constructor(
    private readonly store: Store,
    options: SessionOptions = {},
  ) {
    this.o = resolveSessionOptions(options);
  }

  /** The resolved options. */
  get options(): Readonly<Required<SessionOptions>> {
    return this.o;
  }

  private token(token: unknown): string {
    return sessionId(assertName("token", token, this.o.maxTokenLength));
  }

  private userKeys(user: string, id: string): [index: string, record: string] {
    const k = this.store.keys;
    return [k.key("session", user, "index"), k.key("session", user, `s:${id}`)];
  }

  private recordPrefix(user: string): string {
    return this.store.keys.key("session", user, "s:");
  }

  private pointerKey(id: string): string {
    return this.store.keys.key("session-token", id);
  }

  /**
   * Stores the session `token` for `user` with optional `data`, living `ttlMs` (default 24 h).
   * Putting the same token again replaces its data and restarts its TTL (it keeps `createdAtMs`).
   * When the user already has `maxSessionsPerUser` sessions, those expiring soonest are removed.
   *
   * Two scripts in two slots (the record under the user, the token pointer), sent in parallel: one
   * round trip of latency. If it throws, retry it: it is idempotent.
   *
   * @example
   * await sessions.put(jwt, { user: "user-7", data: { roles: ["buyer"] } });
   */
  async put(token: string, input: PutSessionInput<D>): Promise<Session<D>> {
    const id = this.token(token);
    if (typeof input !== "object" || input === null)
      throw new InvalidArgumentError("input", "must be an object");
    const user = assertName("user", input.user);
    const ttlMs = input.ttlMs === undefined ? this.o.ttlMs : assertDurationMs("ttlMs", input.ttlMs);
    let data = "";
    if (input.data !== undefined) {
      try {
        data = JSON.stringify(input.data);
      } catch (e) {
        throw new InvalidArgumentError("data", `must be JSON-serialisable (${(e as Error).message})`);
      }
      if (typeof data !== "string") throw new InvalidArgumentError("data", "must be JSON-serialisable");
      if (data.length > this.o.maxDataLength) {
        throw new InvalidArgumentError(
          "data",
          `must be at most ${this.o.maxDataLength} characters as JSON, got ${data.length}`,
        );
      }
    }
    const [index, record] = this.userKeys(user, id);
    const [stored, previous] = await Promise.all([
      this.store.run(
        putScript,
        [index, record],
        [id, data, ttlMs, this.o.maxSessionsPerUser, this.o.reclaimLimit, this.recordPrefix(user)],
      ),
      this.store.run(pointerSetScript, [this.pointerKey(id)], [user, ttlMs]),
    ]);
    createdTotal.inc();
    const [evicted, createdAtMs] = stored;
    if (evicted > 0) evictedTotal.inc(evicted);
    if (typeof previous === "string" && previous !== user) {
      // The token moved to another user: its old record must not stay live under the old user.
      const old = this.userKeys(previous, id);
      await this.store.run(revokeScript, old, [id]);
    }
    return { id, user, data: input.data, createdAtMs, ttlMs, expiresInMs: ttlMs };
  }

  /**
   * The live session of `token`, or null. Does not extend it (see {@link touch}). Two round trips
   * (token → user, then the record) unless `lookup.user` is given, then one.
   *
   * @example
   * const s = await sessions.get(jwt); // { id, user: "user-7", data, expiresInMs, … } | null
   */
  async get(token: string, lookup: SessionLookup = {}): Promise<Session<D> | null> {
    return this.read(token, lookup, 0);
  }

  /**
   * Restarts the TTL of `token`'s session (sliding expiry) and returns it, or null if it is not live.
   * @example
   * app.use(async (req) => { if (!(await sessions.touch(req.token))) throw unauthorized(); });
   */
  async touch(token: string, lookup: SessionLookup = {}): Promise<Session<D> | null> {
    return this.read(token, lookup, 1);
  }

  private async read(token: string, lookup: SessionLookup, touch: 0 | 1): Promise<Session<D> | null> {
    const id = this.token(token);
    const hint = lookup.user === undefined ? undefined : assertName("user", lookup.user);
    const pointer = this.pointerKey(id);
    let user: string;
    let raw: RecordReply;
    if (hint !== undefined) {
      user = hint;
      const run = this.store.run(recordScript, this.userKeys(user, id), [id, touch]);
      // A touch slides the pointer as well, so token-only lookups keep working as long as the record lives.
      raw =
        touch === 1
          ? (await Promise.all([run, this.store.run(pointerScript, [pointer], [1, ""])]))[0]
          : await run;
    } else {
      const found = await this.store.run(pointerScript, [pointer], [touch, ""]);
      if (typeof found !== "string") return null;
      user = found;
      raw = await this.store.run(recordScript, this.userKeys(user, id), [id, touch]);
    }
    if (raw === null) return null;
    if (!Array.isArray(raw) || raw.length !== 4)
      throw new ScriptError(recordScript.name, `unexpected reply ${JSON.stringify(raw)}`);
    return decodeSession<D>(id, user, raw[0], raw[2], raw[3], raw[1]);
  }

  /** Ends `token`'s session now. Returns true if a live session was ended. */
  async revoke(token: string, lookup: SessionLookup = {}): Promise<boolean> {
    const id = this.token(token);
    const hint = lookup.user === undefined ? undefined : assertName("user", lookup.user);
    const pointer = this.pointerKey(id);
    let n: number;
    if (hint !== undefined) {
      [n] = await Promise.all([
        this.store.run(revokeScript, this.userKeys(hint, id), [id]),
        this.store.run(pointerScript, [pointer], [2, hint]),
      ]);
    } else {
      const user = await this.store.run(pointerScript, [pointer], [2, ""]);
      if (typeof user !== "string") return false;
      n = await this.store.run(revokeScript, this.userKeys(user, id), [id]);
    }
    if (n === 1) revokedTotal.inc();
    return n === 1;
  }

  /** Every live session of `user`, soonest-expiring first (at most `maxSessionsPerUser`). One round trip. */
  async list(user: string): Promise<Session<D>[]> {
    assertName("user", user);
    const raw = await this.store.run(
      listScript,
      [this.store.keys.key("session", user, "index")],
      [this.recordPrefix(user), this.o.reclaimLimit],
    );
    if (!Array.isArray(raw))
      throw new ScriptError(listScript.name, `unexpected reply ${JSON.stringify(raw)}`);
    const out: Session<D>[] = [];
    for (let i = 0; i + 4 < raw.length; i += 5) {
      out.push(decodeSession<D>(String(raw[i]), user, raw[i + 1], raw[i + 2], raw[i + 3], raw[i + 4]));
    }
    return out;
  }

  /**
   * Ends every session of `user` in one atomic script ("sign out everywhere"): after it returns,
   * none of them is live, whatever the token pointers say. Returns how many were ended.
   */
  async revokeAll(user: string): Promise<number> {
    assertName("user", user);
    const n = await this.store.run(
      revokeAllScript,
      [this.store.keys.key("session", user, "index")],
      [this.recordPrefix(user)],
    );
    if (typeof n === "number" && n > 0) revokedTotal.inc(n);
    return n;
  }
}

function decodeSession<D>(
  id: string,
  user: string,
  data: string | number | null,
  created: string | number | null,
  ttl: string | number | null,
  left: string | number | null,
): Session<D> {
  return {
    id,
    user,
    data: data === "" || data === null ? undefined : (JSON.parse(String(data)) as D),
    createdAtMs: Number(created),
    ttlMs: Number(ttl),
    expiresInMs: Number(left),
  };
}

/**
 * Creates a session store on `store`.
 *
 * @example
 * const sessions = createSessions<{ roles: string[] }>(store);          // 24 h sessions
 * await sessions.put(jwt, { user: "user-7", data: { roles: ["buyer"] } });
 * const s = await sessions.touch(jwt);                                  // sliding expiry
 * await sessions.revokeAll("user-7");                                   // sign out everywhere
 */
export function createSessions<D = unknown>(store: Store, options: SessionOptions = {}): Sessions<D> {
  return new Sessions<D>(store, options);
}
