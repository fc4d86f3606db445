import type { MemoryDb } from "../../store/memory/memory-db.js";
import { memoryStream, type MemoryStream } from "../../store/memory/stream.js";
import type { MemoryTwin } from "../../store/script.js";
import { compareMessageIds } from "../ids.js";
import { busOf } from "../memory-transport.js";
import type { PublishArgs, PublishReply, ReadArgs, ReadReply } from "./scripts.js";

/** Mirrors the scripts' `trim_age`: trims entries older than `maxAgeMs` and raises the floor. */
function trimAge(
  db: MemoryDb,
  s: MemoryStream | undefined,
  metaKey: string,
  maxAgeMs: number,
  now: number,
): void {
  if (!s || maxAgeMs <= 0) return;
  const minMs = now - maxAgeMs;
  if (minMs <= 0) return;
  const old = s.revRange(`(${minMs}-0`, "-", 1);
  if (old.length > 0) {
    s.trimMinId(`${minMs}-0`);
    db.hset(metaKey, { floor: old[0].id });
  }
}

/** `publish-2.lua`'s twin. Returns `[id, receivers]`. */
export const publishTwin: MemoryTwin<PublishArgs, PublishReply> = (
  db,
  keys,
  [liveName, payload, durable, maxLen, maxAgeMs],
  now,
) => {
  let id = "";
  if (durable === 1) {
    const [logKey, metaKey] = keys;
    const fresh = !db.exists(metaKey);
    const s = memoryStream(db, logKey, true)!;
    id = s.add(now, ["d", payload]);
    if (fresh) db.hset(metaKey, { floor: id });
    if (maxLen > 0 && s.length > maxLen) {
      const n = Math.min(s.length - maxLen, 1000);
      const cut = s.range("-", "+", n);
      s.trimMaxLen(s.length - n);
      db.hset(metaKey, { floor: cut[cut.length - 1].id });
    }
    trimAge(db, s, metaKey, maxAgeMs, now);
    if (maxAgeMs > 0) {
      db.pexpire(logKey, maxAgeMs);
      db.pexpire(metaKey, maxAgeMs);
    }
  }
  return [id, busOf(db).publish(liveName, `${id} ${payload}`, (deliver) => db.afterCommit(deliver))];
};

/** `read-2.lua`'s twin. Returns `[recovered, cursor, firstId, [id, payload, …]]`. */
export const readTwin: MemoryTwin<ReadArgs, ReadReply> = (db, keys, [since, count, maxAgeMs], now) => {
  const [logKey, metaKey] = keys;
  let s = memoryStream(db, logKey, false);
  trimAge(db, s, metaKey, maxAgeMs, now);
  const last = s?.last();
  let floor = db.hget(metaKey, "floor");
  if (floor === null) {
    if (last) floor = last.id;
    else {
      s ??= memoryStream(db, logKey, true)!;
      floor = s.add(now, ["d", ""]);
      s.trimMaxLen(0);
    }
    db.hset(metaKey, { floor });
    if (maxAgeMs > 0) {
      db.pexpire(logKey, maxAgeMs);
      db.pexpire(metaKey, maxAgeMs);
    }
    return [since === "" ? 1 : 0, floor, "", []];
  }
  const cursor = last ? last.id : floor;
  if (since === "") return [1, cursor, "", []];
  let lost = compareMessageIds(cursor, since) < 0;
  if (!lost && compareMessageIds(floor, since) < 0) lost = (s?.range(since, since, 1).length ?? 0) === 0;
  let recovered = 1;
  let firstId = "";
  if (lost || compareMessageIds(since, floor) < 0) {
    recovered = 0;
    firstId = s?.first()?.id ?? "";
  }
  const page = s ? s.range(`(${since}`, "+", count) : [];
  const out: string[] = [];
  for (const e of page) out.push(e.id, e.fields[1]);
  return [recovered, cursor, firstId, out];
};
