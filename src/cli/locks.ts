import type { Command } from "commander";
import { createLocks } from "../lock/index.js";
import { table } from "./output.js";
import type { CliRun } from "./io.js";
import { formatMs, withStore, type StoreCommandOptions } from "./context.js";
import { listCommand } from "./listing.js";

/** `holdfast locks ls|show|release --force`. */
export function registerLocks(program: Command, run: CliRun): void {
  const locks = program.command("locks").description("Inspect and force-release locks (SCAN, never KEYS)");
  listCommand(locks, run, {
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
      const info = await withStore(run, opts, (store) => createLocks(store).get(key));
      if (!info) run.exitCode = 1;
      if (opts.json) return run.printJson(info);
      if (!info) {
        run.log(`${key} is not locked`);
        return;
      }
      run.log(
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
        run.error(
          "Refusing without --force: the current holder loses the lock mid-work. Re-run with --force if that is what you want.",
        );
        run.exitCode = 2;
        return;
      }
      const released = await withStore(run, opts, (store) => createLocks(store).forceRelease(key));
      if (opts.json) run.printJson({ key, released });
      else run.log(released ? `${run.color.green("released")} ${key}` : `${key} was not locked`);
      if (!released) run.exitCode = 1;
    });
}
