import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { encodeJsonObject, MAX_JSON_CHARS } from "../events/validate.js";

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
