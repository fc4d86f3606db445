import type { Command } from "commander";
import { createLocks } from "../lock/index.js";
import { color, printJson, table } from "./output.js";
import { formatMs, withStore, type StoreCommandOptions } from "./context.js";
import { listCommand } from "./listing.js";

/** `holdfast locks ls|show|release --force`. */
export function registerLocks(program: Command): void {
  const locks = program.command("locks").description("Inspect and force-release locks (SCAN, never KEYS)");
  listCommand(locks, {
    description: "List active locks with fence, remaining TTL and owner metadata",
    prefixHelp: "only names starting with this",
    defaultLimit: "100",
    maxLimit: 10_000,
    read: (store, q) => createLocks(store).list({ prefix: q.prefix, limit: q.limit }),
    none: "no active locks",
    headers: ["key", "mode", "fence", "remaining", "readers", "metadata"],
    row: (l) => [
      l.key,
      l.mode,
      l.fence,
      formatMs(l.remainingTtlMs),
      l.readers,
      l.metadata ? JSON.stringify(l.metadata) : "",
    ],
  });
  locks
    .command("show <key>")
    .description("Show one lock")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (key: string, opts: StoreCommandOptions) => {
      const info = await withStore(opts, (store) => createLocks(store).get(key));
      if (!info) process.exitCode = 1;
      if (opts.json) return printJson(info);
      if (!info) {
        console.log(`${key} is not locked`);
        return;
      }
      console.log(
        table(
          ["field", "value"],
          Object.entries(info).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]),
        ),
      );
    });
  locks
    .command("release <key>")
    .description("Force-release a lock whoever holds it (its next holder still gets a higher fence)")
    .option("--force", "required: you are taking a lock away from its holder")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (key: string, opts: StoreCommandOptions & { force?: boolean }) => {
      if (!opts.force) {
        console.error(
          "Refusing without --force: the current holder loses the lock mid-work. Re-run with --force if that is what you want.",
        );
        process.exitCode = 2;
        return;
      }
      const released = await withStore(opts, (store) => createLocks(store).forceRelease(key));
      if (opts.json) printJson({ key, released });
      else console.log(released ? `${color.green("released")} ${key}` : `${key} was not locked`);
      if (!released) process.exitCode = 1;
    });
}
