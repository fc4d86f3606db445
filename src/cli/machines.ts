import type { Command } from "commander";
import { MachineDefinitions } from "../machine/stored-definitions.js";
import { withStore, type StoreCommandOptions } from "./context.js";
import { table } from "./output.js";
import type { CliRun } from "./io.js";
import { intArg } from "./args.js";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `holdfast machines show|history <machine> <id>`: read an entity and its history straight from the
 * store. Works for machines defined over HTTP (then `allowedEvents` is shown) and in code alike.
 */
export function registerMachines(program: Command, run: CliRun): void {
  const machines = program
    .command("machines")
    .description("Inspect state machine entities and their history");
  machines
    .command("show <machine> <id>")
    .description("Show an entity's state, version and data")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (machine: string, id: string, opts: StoreCommandOptions) => {
      const found = await withStore(run, opts, async (store) => {
        const { machine: m, defined } = await new MachineDefinitions(store).reader(machine);
        const snap = await m.get(id);
        return (
          snap && { machine, ...snap, ...(defined ? { allowedEvents: m.allowedEvents(snap.state) } : {}) }
        );
      });
      if (!found) run.exitCode = 1;
      if (opts.json) return run.printJson(found);
      if (!found) return run.log(`machine ${machine} has no entity ${id}`);
      const rows: (string | number)[][] = [
        ["machine", machine],
        ["id", found.id],
        ["state", found.state],
        ["version", found.version],
        ["created", iso(found.createdAt)],
        ["updated", iso(found.updatedAt)],
        ["data", JSON.stringify(found.data)],
      ];
      if (found.allowedEvents)
        rows.push(["allowed events", found.allowedEvents.join(", ") || "(final state)"]);
      run.log(table(["field", "value"], rows));
    });
  machines
    .command("history <machine> <id>")
    .description("Show an entity's transitions, oldest first")
    .option("--limit <n>", "at most this many entries", "100")
    .option("--desc", "newest first")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(
      async (machine: string, id: string, opts: StoreCommandOptions & { limit: string; desc?: boolean }) => {
        const limit = intArg("--limit", opts.limit, { max: 10_000 });
        const history = await withStore(run, opts, async (store) => {
          const { machine: m } = await new MachineDefinitions(store).reader(machine);
          const h = await m.history(id, { limit, order: opts.desc ? "desc" : "asc" });
          return h.length > 0 || (await m.get(id)) ? h : null;
        });
        if (!history) run.exitCode = 1;
        if (opts.json) return run.printJson(history);
        if (!history) return run.log(`machine ${machine} has no entity ${id}`);
        run.log(
          table(
            ["version", "at", "event", "from", "to", "actor", "data"],
            history.map((h) => [
              h.version,
              iso(h.at),
              h.event,
              h.from ?? "",
              h.to,
              h.actor ?? "",
              h.data ? JSON.stringify(h.data) : "",
            ]),
          ),
        );
      },
    );
}
