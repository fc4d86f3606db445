import type { Command } from "commander";
import type { Store } from "../store/types.js";
import { intArg } from "./args.js";
import { withStore, type StoreCommandOptions } from "./context.js";
import { printJson, table } from "./output.js";

/** What a listing reads: names starting with `prefix`, at most `limit` of them; `json` quiets progress lines. */
export interface ListingQuery {
  prefix?: string;
  limit: number;
  json?: boolean;
}

/** An `ls` subcommand: how it reads its rows from the store and how it prints them. */
export interface ListingSpec<T> {
  description: string;
  /** Help of `--prefix`. */
  prefixHelp: string;
  /** Default of `--limit`, as typed. */
  defaultLimit: string;
  /** Largest `--limit` accepted (default: any safe integer). */
  maxLimit?: number;
  read: (store: Store, query: ListingQuery) => Promise<T[]>;
  /** Printed instead of an empty table. */
  none: string;
  headers: string[];
  row: (item: T) => (string | number)[];
}

/**
 * Adds `<parent> ls [--prefix] [--limit] [--tenant] [--json]`, the one shape of every listing
 * command: rows as JSON with `--json`, else an aligned table, or `none` when there are no rows.
 */
export function listCommand<T>(parent: Command, spec: ListingSpec<T>): void {
  parent
    .command("ls")
    .description(spec.description)
    .option("--prefix <prefix>", spec.prefixHelp)
    .option("--limit <n>", "at most this many", spec.defaultLimit)
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (opts: StoreCommandOptions & { prefix?: string; limit: string }) => {
      const limit = intArg("--limit", opts.limit, spec.maxLimit === undefined ? {} : { max: spec.maxLimit });
      const rows = await withStore(opts, (store) => spec.read(store, { ...opts, limit }));
      if (opts.json) return printJson(rows);
      if (rows.length === 0) return console.log(spec.none);
      console.log(table(spec.headers, rows.map(spec.row)));
    });
}
