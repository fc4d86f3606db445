import { readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { defineScript } from "../../store/script.js";
import type { Store } from "../../store/types.js";
import { parseKeyRecord, type ApiKeyRecord } from "./api-keys.js";

/**
 * One stored key as read: its record when it follows the rules (role, tenant names, hash), or why
 * it is refused. A refused key never authenticates; `holdfast keys ls` and `holdfast doctor` show
 * it, and `holdfast keys revoke <id>` retires it.
 */
export interface KeyEntry {
  id: string;
  record?: ApiKeyRecord;
  /** Why the record is refused (e.g. a tenant name that breaks the tenant rule). */
  refused?: string;
  revoked: boolean;
}

/** Where API key records live: in the store (shared by every server on the same Redis) or a file. */
export interface KeyStore {
  readonly where: string;
  /** Valid records, oldest first (refused ones are left out: see {@link entries}). */
  list(): Promise<ApiKeyRecord[]>;
  /** The valid record of `id`, or undefined when there is none or it is refused. */
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every stored record, valid or refused. */
  entries(): Promise<KeyEntry[]>;
  /** The stored record of `id`, valid or refused. */
  entry(id: string): Promise<KeyEntry | undefined>;
  /** Stores a record (checked first: a record that breaks the rules is never written). */
  put(record: ApiKeyRecord): Promise<void>;
  /** Marks `id` revoked, refused records included; false when there is no such key. */
  revoke(id: string, now?: number): Promise<boolean>;
}

const putKey = defineScript<[id: string, json: string]>(
  new URL("./key-put-1.lua", import.meta.url),
  (db, [k], [id, json]) => {
    db.hset(k, { [id]: json });
    return 1;
  },
);
const getKey = defineScript<[id: string]>(new URL("./key-get-1.lua", import.meta.url), (db, [k], [id]) =>
  db.hget(k, id),
);
const listKeys = defineScript<[]>(new URL("./key-list-1.lua", import.meta.url), (db, [k]) => {
  const out: string[] = [];
  for (const v of db.hgetall(k).values()) out.push(v);
  return out;
});

function toEntry(raw: unknown, where: string): KeyEntry {
  const obj = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const id = typeof obj.id === "string" ? obj.id : "?";
  const revoked = obj.revokedAt !== undefined;
  try {
    return { id, record: parseKeyRecord(raw, where), revoked };
  } catch (e) {
    return { id, refused: (e as Error).message, revoked };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The shared behaviour of both key stores, over raw JSON records. */
abstract class RawKeyStore implements KeyStore {
  abstract readonly where: string;
  protected abstract readAll(): Promise<unknown[]>;
  protected abstract readOne(id: string): Promise<unknown>;
  protected abstract write(id: string, raw: unknown): Promise<void>;

  async entries(): Promise<KeyEntry[]> {
    const all = (await this.readAll()).map((raw) => toEntry(raw, this.where));
    const at = (e: KeyEntry) => e.record?.createdAt ?? 0;
    return all.sort((a, b) => at(a) - at(b));
  }
  async entry(id: string): Promise<KeyEntry | undefined> {
    const raw = await this.readOne(id);
    return raw === undefined ? undefined : toEntry(raw, this.where);
  }
  async list(): Promise<ApiKeyRecord[]> {
    return (await this.entries()).flatMap((e) => (e.record ? [e.record] : []));
  }
  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return (await this.entry(id))?.record;
  }
  async put(record: ApiKeyRecord): Promise<void> {
    const checked = parseKeyRecord(record, "the key record");
    await this.write(checked.id, checked);
  }
  async revoke(id: string, now = Date.now()): Promise<boolean> {
    const raw = await this.readOne(id);
    if (typeof raw !== "object" || raw === null) return false;
    const obj = raw as Record<string, unknown>;
    if (obj.revokedAt === undefined) await this.write(id, { ...obj, revokedAt: now });
    return true;
  }
}

/** Keys in one hash of the store: every server process on the same Redis sees the same keys. */
export class StoreKeyStore extends RawKeyStore {
  readonly where: string;
  private readonly key: string;
  constructor(private readonly store: Store) {
    super();
    this.key = store.keys.key("apikeys", "all");
    this.where = `${store.kind} store (${this.key})`;
  }
  protected async readAll(): Promise<unknown[]> {
    return ((await this.store.run(listKeys, [this.key], [])) as string[]).map(parseJson);
  }
  protected async readOne(id: string): Promise<unknown> {
    const raw = (await this.store.run(getKey, [this.key], [id])) as string | null;
    return raw === null ? undefined : parseJson(raw);
  }
  protected async write(id: string, raw: unknown): Promise<void> {
    await this.store.run(putKey, [this.key], [id, JSON.stringify(raw)]);
  }
}

/**
 * Keys in a JSON file: what the CLI and a server share when the store is the in-process memory store.
 * Writes are atomic (write to a temp file, rename).
 */
export class FileKeyStore extends RawKeyStore {
  readonly where: string;
  constructor(private readonly path: string) {
    super();
    this.where = `file ${path}`;
  }
  protected async readAll(): Promise<unknown[]> {
    if (!existsSync(this.path)) return [];
    const text = await readFile(this.path, "utf8");
    const parsed = parseJson(text) as { keys?: unknown } | undefined;
    if (typeof parsed !== "object" || parsed === null || !Array.isArray(parsed.keys)) {
      throw new Error(
        `The keys file ${this.path} is not a Holdfast keys file ({ "keys": [...] }): fix or remove it, then create keys with \`holdfast keys create\`.`,
      );
    }
    return parsed.keys as unknown[];
  }
  protected async readOne(id: string): Promise<unknown> {
    return (await this.readAll()).find(
      (k) => typeof k === "object" && k !== null && (k as { id?: unknown }).id === id,
    );
  }
  protected async write(id: string, raw: unknown): Promise<void> {
    const keys = (await this.readAll()).filter(
      (k) => !(typeof k === "object" && k !== null && (k as { id?: unknown }).id === id),
    );
    keys.push(raw);
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ keys }, null, 2) + "\n", { mode: 0o600 });
    await rename(tmp, this.path);
  }
}
