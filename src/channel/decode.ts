/** Decoders of the channel scripts' raw replies, shared by both stores. */
import type { ReadReply as RawReadReply } from "./scripts/scripts.js";

/** What {@link readScript} answers, decoded. */
export interface ReadReply {
  recovered: boolean;
  cursor: string;
  firstId: string | null;
  entries: { id: string; payload: string }[];
}

/** Decodes {@link readScript}'s raw reply (the same on both stores). */
export function decodeRead(raw: RawReadReply): ReadReply {
  const [recovered, cursor, firstId, flat] = raw;
  const entries: { id: string; payload: string }[] = [];
  for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i], payload: flat[i + 1] });
  return { recovered: recovered === 1, cursor, firstId: firstId === "" ? null : firstId, entries };
}
