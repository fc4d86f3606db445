import type { MemoryTwin } from "../../store/script.js";
import { EventsStatus } from "../status.js";
import type {
  AppendArgs,
  AppendReply,
  NowReply,
  RangeArgs,
  RangeReply,
  RegisterArgs,
  RegisterReply,
  SourcesArgs,
  SourcesReply,
} from "./scripts.js";
import { memoryStream } from "../../store/memory/stream.js";

/** XADD + retention; see `append-1.lua`. */
export const appendTwin: MemoryTwin<AppendArgs, AppendReply> = (
  db,
  keys,
  [type, contextJson, maxLen, maxAgeMs],
  nowMs,
) => {
  const stream = memoryStream(db, keys[0], true)!;
  const id = stream.add(nowMs, ["type", type, "ctx", contextJson]);
  if (maxLen > 0 && stream.length > maxLen) stream.trimMaxLen(Math.max(maxLen, stream.length - 1000));
  if (maxAgeMs > 0) stream.trimMinId(String(nowMs - maxAgeMs));
  return id;
};

/** ZADD NX into the index of sources, within its cap; see `register-1.lua`. */
export const registerTwin: MemoryTwin<RegisterArgs, RegisterReply> = (
  db,
  keys,
  [source, maxSources],
  nowMs,
) => {
  if (db.zscore(keys[0], source) !== null) return EventsStatus.Known;
  if (maxSources > 0 && db.zcard(keys[0]) >= maxSources) return EventsStatus.Full;
  return db.zadd(keys[0], nowMs, source);
};

/** One page of the index of sources; see `sources-1.lua`. */
export const sourcesTwin: MemoryTwin<SourcesArgs, SourcesReply> = (db, [index], [n, cs, cn]) => {
  let start = 0;
  if (cs !== "") {
    const rank = db.zrank(index, cn);
    // Registration times are whole ms, so "below cs" is "at most cs - 1".
    start = rank !== null ? rank + 1 : db.zcount(index, -Infinity, Number(cs) - 1);
  }
  const rows = db.zrange(index, start, start + n - 1);
  return [rows.length === n ? 1 : 0, ...rows.map((e): [string, string] => [String(e.score), e.member])];
};

/** The server clock; see `now-0.lua`. */
export const nowTwin: MemoryTwin<[], NowReply> = (_db, _keys, _args, nowMs) => nowMs;

/** The twins' batch size, equal to the Lua script's, so both examine entries the same way. */
const BATCH = 256;

/** A filtered, budgeted range read; see `range-1.lua`. Shared by the event log and machine histories. */
export const rangeTwin: MemoryTwin<RangeArgs, RangeReply> = (
  db,
  keys,
  [order, lowIn, highIn, limit, field, value, budget],
) => {
  const out: RangeReply = ["", 0];
  const stream = memoryStream(db, keys[0], false);
  if (!stream) {
    out[1] = 1;
    return out;
  }
  let low = lowIn;
  let high = highIn;
  let found = 0;
  let examined = 0;
  for (;;) {
    const batch = Math.min(BATCH, budget - examined);
    if (batch <= 0) return out;
    const rows = order === "asc" ? stream.range(low, high, batch) : stream.revRange(high, low, batch);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      examined++;
      out[0] = row.id;
      let keep = field === "";
      if (!keep) {
        for (let j = 0; j < row.fields.length; j += 2) {
          if (row.fields[j] === field) {
            keep = row.fields[j + 1] === value;
            break;
          }
        }
      }
      if (keep) {
        found++;
        out.push([row.id, [...row.fields]]);
        if (found >= limit) {
          if (i === rows.length - 1 && rows.length < batch) out[1] = 1;
          return out;
        }
      }
    }
    if (rows.length < batch) {
      out[1] = 1;
      return out;
    }
    if (order === "asc") low = `(${out[0]}`;
    else high = `(${out[0]}`;
  }
};
