import type { Command } from "commander";
import type { Store } from "../store/types.js";
import { intArg } from "./args.js";
import { withStore, type StoreCommandOptions } from "./context.js";
import { table } from "./output.js";
import type { CliRun } from "./io.js";

/** What a listing reads: names starting with `prefix`, at most `limit` of them; `json` quiets progress lines. */
export interface ListingQuery {
  /** The run of the CLI the listing is for (its progress line goes to its stderr). */
  run: CliRun;
  prefix?: string;
  limit: number;
  json?: boolean;
}

/**
 * A progress line on stderr for long scans: only on a terminal and never with `--json`, so pipes
 * and scripts see clean output. Rewrites itself in place and is erased at the end.
 */
export class Progress {
  private readonly on: boolean;
  private last = 0;
  constructor(
    private readonly run: CliRun,
    private readonly what: string,
    json: boolean | undefined,
  ) {
    this.on = run.io.stderr.isTTY === true && !json;
  }
  tick(count: number): void {
    if (!this.on) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.run.io.stderr.write(`\r${this.run.color.dim(`${this.what}: ${count}…`)}`);
  }
  done(): void {
    if (this.on && this.last > 0) this.run.io.stderr.write("\r\x1b[2K");
  }
}

/** How {@link scanRows} finds a listing's names among the store's keys and reads each one. */
export interface ScanSpec<T> {
  /** The key kind to SCAN for. */
  kind: string;
  /** What the progress line says is being scanned ("items"). */
  what: string;
  /** The name a key belongs to, or undefined for a key that is not one of this kind's. */
  nameOf: (key: string) => string | undefined;
  /** The row of a name, or undefined to leave it out (gone since the scan, empty...). */
  read: (name: string) => Promise<T | undefined>;
}

/**
 * The rows of every name of `spec.kind` (found with SCAN, never KEYS) starting with `query.prefix`,
 * each read once however many keys it has, at most `query.limit` rows, sorted by name. A progress
 * line counts the names examined on a terminal.
 */
export async function scanRows<T>(store: Store, query: ListingQuery, spec: ScanSpec<T>): Promise<T[]> {
  const progress = new Progress(query.run, `scanning ${spec.what}`, query.json);
  const seen = new Set<string>();
  const out: { name: string; row: T }[] = [];
  try {
    for await (const key of store.scan(store.keys.pattern(spec.kind))) {
      const name = spec.nameOf(key);
      if (name === undefined || seen.has(name) || (query.prefix && !name.startsWith(query.prefix))) continue;
      seen.add(name);
      const row = await spec.read(name);
      if (row !== undefined) out.push({ name, row });
      progress.tick(seen.size);
      if (out.length >= query.limit) break;
    }
  } finally {
    progress.done();
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => r.row);
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
export function listCommand<T>(parent: Command, run: CliRun, spec: ListingSpec<T>): void {
  parent
    .command("ls")
    .description(spec.description)
    .option("--prefix <prefix>", spec.prefixHelp)
    .option("--limit <n>", "at most this many", spec.defaultLimit)
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (opts: StoreCommandOptions & { prefix?: string; limit: string }) => {
      const limit = intArg("--limit", opts.limit, spec.maxLimit === undefined ? {} : { max: spec.maxLimit });
      const rows = await withStore(run, opts, (store) => spec.read(store, { ...opts, limit, run }));
      if (opts.json) return run.printJson(rows);
      if (rows.length === 0) return run.log(spec.none);
      run.log(table(spec.headers, rows.map(spec.row)));
    });
}
