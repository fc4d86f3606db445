/** Decoders of the event-log scripts' raw replies and stream ids, shared by both stores. */
import type { RangeReply } from "./scripts/scripts.js";

/** One decoded row of {@link rangeScript}. */
export interface StreamRow {
  id: string;
  /** Field → value, from the entry's flat field list. */
  fields: Map<string, string>;
}

/** Decodes {@link rangeScript}'s reply. */
export function decodeRange(reply: RangeReply): { last: string; exhausted: boolean; rows: StreamRow[] } {
  const [last, exhausted, ...matches] = reply;
  const rows: StreamRow[] = new Array<StreamRow>(matches.length);
  for (let i = 0; i < matches.length; i++) {
    const [id, flat] = matches[i];
    const fields = new Map<string, string>();
    for (let j = 0; j < flat.length; j += 2) fields.set(flat[j], flat[j + 1]);
    rows[i] = { id, fields };
  }
  return { last, exhausted: exhausted === 1, rows };
}
