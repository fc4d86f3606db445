import type { MemoryDb } from "../../store/memory/memory-db.js";
import { memoryStream } from "../../store/memory/stream.js";
import type { MemoryTwin } from "../../store/script.js";
import type {
  CreateArgs,
  CreateReply,
  DeleteArgs,
  DeleteReply,
  GetReply,
  SendArgs,
  SendReply,
} from "./scripts.js";
import { CREATE_EVENT } from "../definition.js";
import { MachineStatus } from "../status.js";

function trimHistory(db: MemoryDb, key: string, maxLen: number, maxAgeMs: number, nowMs: number): void {
  const stream = memoryStream(db, key, false);
  if (!stream) return;
  if (maxLen > 0) stream.trimMaxLen(maxLen);
  if (maxAgeMs > 0) stream.trimMinId(String(nowMs - maxAgeMs));
}

function historyEntry(
  event: string,
  from: string,
  to: string,
  version: number,
  nowMs: number,
  actor: string,
  context: string,
  data: string,
): string[] {
  const entry = ["e", event, "f", from, "t", to, "v", String(version), "at", String(nowMs)];
  if (actor !== "") entry.push("a", actor);
  if (context !== "") entry.push("x", context);
  if (data !== "") entry.push("d", data);
  return entry;
}

function pairsToObject(flat: readonly string[], from: number): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = from; i + 1 < flat.length; i += 2) o[flat[i]] = flat[i + 1];
  return o;
}

/** Twin of `create-2.lua`. */
export const createTwin: MemoryTwin<CreateArgs, CreateReply> = (db, keys, args, nowMs) => {
  const [initial, maxLen, maxAgeMs, actor, context, data] = args;
  const state = db.hget(keys[0], "s");
  if (state !== null) return [MachineStatus.Exists, state, Number(db.hget(keys[0], "v"))];
  db.del(keys[1]);
  db.hset(keys[0], { s: initial, v: 1, c: nowMs, u: nowMs, ...pairsToObject(args as readonly string[], 6) });
  const stream = memoryStream(db, keys[1], true)!;
  const id = stream.add(nowMs, historyEntry(CREATE_EVENT, "", initial, 1, nowMs, actor, context, data));
  trimHistory(db, keys[1], maxLen, maxAgeMs, nowMs);
  return [MachineStatus.Applied, 1, nowMs, id];
};

/** Twin of `send-3.lua`. */
export const sendTwin: MemoryTwin<SendArgs, SendReply> = (db, keys, args, nowMs) => {
  const [event, expected, idemTtl, maxLen, maxAgeMs, actor, context, data, n] = args;
  if (idemTtl > 0) {
    const prior = db.get(keys[2]);
    if (prior !== null) return [MachineStatus.Replayed, prior];
  }
  const state = db.hget(keys[0], "s");
  if (state === null) return [MachineStatus.NotFound];
  const version = Number(db.hget(keys[0], "v"));
  if (expected >= 0 && expected !== version) return [MachineStatus.VersionConflict, state, version];
  const rest = args as readonly (string | number)[];
  let to: string | undefined;
  for (let i = 9; i < 9 + 2 * n; i += 2) {
    if (rest[i] === state) {
      to = rest[i + 1] as string;
      break;
    }
  }
  if (to === undefined) return [MachineStatus.InvalidTransition, state, version];
  const historyType = db.type(keys[1]);
  if (historyType !== "stream" && historyType !== "none") return [MachineStatus.WrongType, historyType];
  const nv = version + 1;
  db.hset(keys[0], { s: to, v: nv, u: nowMs, ...pairsToObject(rest as string[], 9 + 2 * n) });
  const id = memoryStream(db, keys[1], true)!.add(
    nowMs,
    historyEntry(event, state, to, nv, nowMs, actor, context, data),
  );
  trimHistory(db, keys[1], maxLen, maxAgeMs, nowMs);
  if (idemTtl > 0) db.set(keys[2], `${event}\n${state}\n${to}\n${nv}\n${nowMs}\n${id}`, { px: idemTtl });
  return [MachineStatus.Applied, state, to, nv, nowMs, id];
};

/** Twin of `get-2.lua`. */
export const getTwin: MemoryTwin<[], GetReply> = (db, keys) => {
  const flat: string[] = [];
  for (const [f, v] of db.hgetall(keys[0])) flat.push(f, v);
  return [flat, db.get(keys[1]) ?? ""];
};

/** Twin of `delete-2.lua`. */
export const deleteTwin: MemoryTwin<DeleteArgs, DeleteReply> = (db, keys, [expected]) => {
  const state = db.hget(keys[0], "s");
  if (state === null) return [MachineStatus.NotFound];
  const version = Number(db.hget(keys[0], "v"));
  if (expected >= 0 && expected !== version) return [MachineStatus.VersionConflict, state, version];
  db.del(keys[0]);
  db.del(keys[1]);
  return [MachineStatus.Applied, version];
};
