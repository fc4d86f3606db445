import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { encodeJsonObject, MAX_JSON_CHARS } from "../events/validate.js";
import type { StreamRow } from "../events/scripts.js";
import type { RawReply } from "../store/script.js";
import type { HistoryEntry, MachineSnapshot } from "./types.js";

/** Most top-level data fields one create or send may set. */
export const MAX_DATA_FIELDS = 256;

/**
 * Encodes `data` twice: the whole object as JSON for the history, and one `d:<field>` hash field
 * per top-level key for the entity (so a send merges fields without reading the entity first).
 * Keys whose value is `undefined` are skipped, as JSON.stringify does.
 */
export function encodeData(field: string, data: unknown): { json: string; fields: string[] } {
  const json = encodeJsonObject(field, data, MAX_JSON_CHARS);
  const fields: string[] = [];
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (v === undefined) continue;
    fields.push(`d:${k}`, JSON.stringify(v));
  }
  if (fields.length / 2 > MAX_DATA_FIELDS) {
    throw new InvalidArgumentError(
      field,
      `must have at most ${MAX_DATA_FIELDS} fields, got ${fields.length / 2}`,
    );
  }
  return { json: fields.length === 0 ? "" : json, fields };
}

/** Decodes `get-2.lua`'s entity hash (flat field/value list); null when the entity is missing. */
export function decodeSnapshot<S extends string, D>(
  id: string,
  flat: readonly string[],
): MachineSnapshot<S, D> | null {
  if (flat.length === 0) return null;
  const snap = { id, state: "", version: 0, data: {} as Record<string, unknown>, createdAt: 0, updatedAt: 0 };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const f = flat[i];
    const v = flat[i + 1];
    if (f.startsWith("d:")) snap.data[f.slice(2)] = JSON.parse(v);
    else if (f === "s") snap.state = v;
    else if (f === "v") snap.version = Number(v);
    else if (f === "c") snap.createdAt = Number(v);
    else if (f === "u") snap.updatedAt = Number(v);
  }
  return snap as unknown as MachineSnapshot<S, D>;
}

/** Decodes one history stream entry. */
export function decodeHistory<S extends string, E extends string>(row: StreamRow): HistoryEntry<S, E> {
  const f = row.fields;
  const from = f.get("f") ?? "";
  const entry: HistoryEntry<S, E> = {
    historyId: row.id,
    event: f.get("e") as E,
    from: from === "" ? null : (from as S),
    to: f.get("t") as S,
    version: Number(f.get("v")),
    at: Number(f.get("at")),
  };
  const actor = f.get("a");
  if (actor !== undefined) entry.actor = actor;
  const ctx = f.get("x");
  if (ctx !== undefined) entry.context = JSON.parse(ctx) as Record<string, unknown>;
  const data = f.get("d");
  if (data !== undefined) entry.data = JSON.parse(data) as Record<string, unknown>;
  return entry;
}

/** Splits the stored idempotent result `event\nfrom\nto\nversion\nat\nhistoryId`. */
export function decodeStored(stored: string): {
  event: string;
  from: string;
  to: string;
  version: number;
  at: number;
  historyId: string;
} {
  const [event, from, to, version, at, historyId] = stored.split("\n");
  return { event, from, to, version: Number(version), at: Number(at), historyId };
}

/** The reply as an array (every machine script returns one). */
export function asArray(reply: RawReply): RawReply[] {
  return reply as RawReply[];
}
