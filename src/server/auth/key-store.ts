import { readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { defineScript } from "../../store/script.js";
import type { Store } from "../../store/types.js";
import type { ApiKeyRecord } from "./api-keys.js";

/** Where API key records live: in the store (shared by every server on the same Redis) or a file. */
export interface KeyStore {
  readonly where: string;
  list(): Promise<ApiKeyRecord[]>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  put(record: ApiKeyRecord): Promise<void>;
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

/** Keys in one hash of the store: every server process on the same Redis sees the same keys. */
export class StoreKeyStore implements KeyStore {
  readonly where: string;
  private readonly key: string;
  constructor(private readonly store: Store) {
    this.key = store.keys.key("apikeys", "all");
    this.where = `${store.kind} store (${this.key})`;
  }
  async list(): Promise<ApiKeyRecord[]> {
    const raw = (await this.store.run(listKeys, [this.key], [])) as string[];
    return raw.map((s) => JSON.parse(s) as ApiKeyRecord).sort((a, b) => a.createdAt - b.createdAt);
  }
  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const raw = (await this.store.run(getKey, [this.key], [id])) as string | null;
    return raw === null ? undefined : (JSON.parse(raw) as ApiKeyRecord);
  }
  async put(record: ApiKeyRecord): Promise<void> {
    await this.store.run(putKey, [this.key], [record.id, JSON.stringify(record)]);
  }
}

/**
 * Keys in a JSON file: what the CLI and a server share when the store is the in-process memory store.
 * Writes are atomic (write to a temp file, rename).
 */
export class FileKeyStore implements KeyStore {
  readonly where: string;
  constructor(private readonly path: string) {
    this.where = `file ${path}`;
  }
  async list(): Promise<ApiKeyRecord[]> {
    if (!existsSync(this.path)) return [];
    const parsed = JSON.parse(await readFile(this.path, "utf8")) as { keys?: ApiKeyRecord[] };
    return parsed.keys ?? [];
  }
  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return (await this.list()).find((k) => k.id === id);
  }
  async put(record: ApiKeyRecord): Promise<void> {
    const keys = (await this.list()).filter((k) => k.id !== record.id);
    keys.push(record);
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ keys }, null, 2) + "\n", { mode: 0o600 });
    await rename(tmp, this.path);
  }
}
