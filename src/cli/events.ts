import type { Command } from "commander";
import { createEventLog, type EventRecord } from "../events/index.js";
import { parseTimeSpec, resolveTime } from "../events/time-spec.js";
import { CliUsageError, withStore, type StoreCommandOptions } from "./context.js";
import { intArg } from "./args.js";
import type { CliRun } from "./io.js";

interface TailCommandOptions extends StoreCommandOptions {
  source?: string;
  type?: string;
  since?: string;
  once?: boolean;
  limit: string;
}

function printEvent(run: CliRun, e: EventRecord, json: boolean | undefined): void {
  if (json) {
    run.io.stdout.write(JSON.stringify(e) + "\n");
    return;
  }
  run.io.stdout.write(
    `${run.color.dim(new Date(e.at).toISOString())}  ${e.source}  ${run.color.bold(e.type)}  ${JSON.stringify(e.context)}\n`,
  );
}

/** `holdfast events tail`: follow (or, with `--once`, print) the event log. */
export function registerEvents(program: Command, run: CliRun): void {
  const { signals } = run.io;
  const events = program.command("events").description("Read the event log (observability events)");
  events
    .command("tail")
    .description("Print events as they are appended, until Ctrl-C (--once: print what exists and exit)")
    .option("--source <source>", "only this source, e.g. assignment.state_machine")
    .option("--type <type>", "only this event type, e.g. transition")
    .option("--since <time>", "start at: a duration ago (5m, 30s, 2h, 1d), ms since the epoch, or ISO 8601")
    .option("--once", "print the events that exist now and exit")
    .option("--limit <n>", "with --once: at most this many (the oldest first)", "1000")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print one JSON object per line")
    .action(async (opts: TailCommandOptions) => {
      const spec = opts.since === undefined ? undefined : parseTimeSpec(opts.since);
      if (opts.since !== undefined && !spec) {
        throw new CliUsageError(
          `--since must be a duration ago (5m, 30s, 2h, 1d), ms since the epoch or an ISO 8601 time, got "${opts.since}"`,
        );
      }
      const limit = intArg("--limit", opts.limit, { max: 10_000 });
      await withStore(run, opts, async (store) => {
        const log = createEventLog(store);
        // Durations ago are measured on the store's clock, the clock the event ids carry.
        const since = await resolveTime(spec, () => log.serverTime());
        if (opts.once) {
          const found = await log.query({ source: opts.source, type: opts.type, since, limit });
          for (const e of found) printEvent(run, e, opts.json);
          if (found.length === 0 && !opts.json) run.error("no events");
          return;
        }
        const ac = new AbortController();
        const stop = () => ac.abort();
        signals.once("SIGINT", stop);
        signals.once("SIGTERM", stop);
        try {
          for await (const e of log.tail({
            source: opts.source,
            type: opts.type,
            since,
            signal: ac.signal,
          })) {
            printEvent(run, e, opts.json);
          }
        } finally {
          signals.off("SIGINT", stop);
          signals.off("SIGTERM", stop);
        }
      });
    });
}
