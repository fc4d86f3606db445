import type { Command } from "commander";
import { createWaitingRoom, DEFAULT_WAITING_ROOM_OPTIONS } from "../waiting-room/index.js";
import { Keyspace, SUFFIX_SEPARATOR } from "../store/keyspace.js";
import type { Store } from "../store/types.js";
import { formatMs, withStore, type StoreCommandOptions } from "./context.js";
import { intArg } from "./args.js";
import { listCommand, scanRows, type ListingQuery } from "./listing.js";
import { table } from "./output.js";
import type { CliRun } from "./io.js";

/** A room's keys are `room:{name}<0x1F>q|hb|adm|seq` (see src/waiting-room/waiting-room.ts). */
const ROOM_KIND = "room";

/** The room name of one of its keys, or undefined for a key that is not a room's. */
export function roomOf(keys: Keyspace, key: string): string | undefined {
  const head = keys.prefix + ROOM_KIND + ":";
  if (!key.startsWith(head)) return undefined;
  const sep = key.lastIndexOf(SUFFIX_SEPARATOR);
  if (sep < head.length) return undefined;
  const tagged = key.slice(head.length, sep);
  const name = tagged.startsWith("{") && tagged.endsWith("}") ? tagged.slice(1, -1) : tagged;
  return Keyspace.tag(name) === tagged ? name : undefined;
}

interface RoomRow {
  room: string;
  length: number;
  admitted: number;
}

async function scanRooms(store: Store, query: ListingQuery): Promise<RoomRow[]> {
  const rooms = createWaitingRoom(store);
  return scanRows(store, query, {
    kind: ROOM_KIND,
    what: "rooms",
    nameOf: (key) => roomOf(store.keys, key),
    read: async (room) => {
      const c = await rooms.counts(room);
      // The sequence key outlives an emptied room; list only rooms with someone in them.
      return c.queued + c.admitted > 0 ? { room, length: c.queued, admitted: c.admitted } : undefined;
    },
  });
}

/** `holdfast queue ls|show|admit`: waiting rooms. */
export function registerQueue(program: Command, run: CliRun): void {
  const queue = program
    .command("queue")
    .description("Inspect waiting rooms (queued and admitted users) and admit users");
  listCommand(queue, run, {
    description: "List waiting rooms with their length and live admissions (SCAN, never KEYS)",
    prefixHelp: "only rooms whose name starts with this",
    defaultLimit: "1000",
    read: scanRooms,
    none: "no waiting rooms with users",
    headers: ["room", "length", "admitted"],
    row: (r) => [r.room, r.length, r.admitted],
  });
  queue
    .command("show <room>")
    .description("Show a room's counts and the first users in line")
    .option("--first <n>", "how many users from the head of the line", "10")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (room: string, opts: StoreCommandOptions & { first: string }) => {
      const first = intArg("--first", opts.first, { max: 10_000 });
      const result = await withStore(run, opts, async (store) => {
        // One round trip; users whose heartbeat ran out are dropped first, so the head shown is live.
        const h = await createWaitingRoom(store).head(room, first);
        return { room, length: h.queued, admitted: h.admitted, first: h.first };
      });
      if (result.length + result.admitted === 0) run.exitCode = 1;
      if (opts.json) return run.printJson(result);
      run.log(`${run.color.bold(room)}: ${result.length} queued, ${result.admitted} admitted`);
      if (result.first.length > 0) {
        run.log(
          table(
            ["position", "user", "heartbeat in"],
            result.first.map((u) => [
              u.position,
              u.user,
              u.heartbeatInMs <= 0 ? "overdue" : formatMs(u.heartbeatInMs),
            ]),
          ),
        );
      }
    });
  queue
    .command("admit <room> <n>")
    .description("Admit the first n live users of a room, in line order")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (room: string, nArg: string, opts: StoreCommandOptions) => {
      const n = intArg("n", nArg, { max: DEFAULT_WAITING_ROOM_OPTIONS.maxAdmitBatch });
      const admitted = await withStore(run, opts, (store) => createWaitingRoom(store).admit(room, n));
      if (opts.json) return run.printJson({ room, admitted, count: admitted.length });
      if (admitted.length === 0) return run.log(`nobody is waiting in ${room}`);
      run.log(`${run.color.green("admitted")} ${admitted.length} of ${n}: ${admitted.join(", ")}`);
    });
}
