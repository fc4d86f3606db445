import type { Command } from "commander";
import { keyStoreFor } from "../server/serve.js";
import { mintApiKey, ROLES, type Role } from "../server/auth/api-keys.js";
import { assertTenantList } from "../server/tenants.js";
import { table } from "./output.js";
import type { CliRun } from "./io.js";
import { withConfiguredStore } from "./context.js";

async function withKeyStore<T>(
  run: CliRun,
  fn: (ks: ReturnType<typeof keyStoreFor>) => Promise<T>,
): Promise<T> {
  return withConfiguredStore(run, (store, config) => fn(keyStoreFor(store, config.keysFile)));
}

/** `holdfast keys create|ls|revoke`: API keys for `holdfast serve`, stored hashed. */
export function registerKeys(program: Command, run: CliRun): void {
  const keys = program
    .command("keys")
    .description("Create, list and revoke API keys (stored as SHA-256 hashes)");
  keys
    .command("create")
    .description("Create an API key; the key is printed once and cannot be shown again")
    .option("--name <name>", "a label for the key", "unnamed")
    .option("--role <role>", "client, admin, or operator (reads /metrics, acts for no tenant)", "client")
    .option("--tenant <tenant...>", "tenant(s) the key may act for (letters, digits, . _ -); * for all", [
      "default",
    ])
    .option("--json", "print JSON")
    .action(async (opts: { name: string; role: string; tenant: string[]; json?: boolean }) => {
      if (!ROLES.includes(opts.role as Role)) {
        run.error(`--role must be client, admin or operator, got "${opts.role}"`);
        run.exitCode = 2;
        return;
      }
      const role = opts.role as Role;
      let tenants: string[];
      try {
        tenants = role === "operator" ? [] : assertTenantList("--tenant", opts.tenant);
      } catch (e) {
        run.error((e as Error).message);
        run.exitCode = 2;
        return;
      }
      const { key, record } = mintApiKey({ name: opts.name, role, tenants });
      const where = await withKeyStore(run, async (ks) => {
        await ks.put(record);
        return ks.where;
      });
      if (opts.json)
        run.printJson({
          key,
          id: record.id,
          name: record.name,
          role: record.role,
          tenants: record.tenants,
          storedIn: where,
        });
      else {
        run.log(
          `${run.color.green("created")} key ${record.id} (${record.role}, tenants ${record.tenants.join(",")}) in ${where}`,
        );
        run.log(
          `\n  ${run.color.bold(key)}\n\nStore it now: only its hash is kept, it cannot be shown again.`,
        );
      }
    });
  keys
    .command("ls")
    .description("List API keys (never their secrets)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const list = await withKeyStore(run, (ks) => ks.entries());
      const rows = list.map((e) => ({
        id: e.id,
        name: e.record?.name ?? "",
        role: e.record?.role ?? "?",
        tenants: e.record?.tenants ?? [],
        createdAt: e.record ? new Date(e.record.createdAt).toISOString() : "",
        revoked: e.revoked,
        ...(e.refused ? { refused: e.refused } : {}),
      }));
      if (opts.json) run.printJson(rows);
      else if (rows.length === 0) run.log("no API keys (the server runs open, loopback only)");
      else
        run.log(
          table(
            ["id", "name", "role", "tenants", "created", "state"],
            rows.map((r) => [
              r.id,
              r.name,
              r.role,
              r.tenants.join(","),
              r.createdAt,
              r.revoked
                ? run.color.red("revoked")
                : r.refused
                  ? run.color.red(`REFUSED: ${r.refused}`)
                  : run.color.green("active"),
            ]),
          ),
        );
    });
  keys
    .command("revoke <id>")
    .description("Revoke an API key (servers stop accepting it within HOLDFAST_KEY_CACHE_MS)")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const found = await withKeyStore(run, (ks) => ks.revoke(id));
      if (opts.json) run.printJson({ id, revoked: found });
      else
        run.log(
          found
            ? `${run.color.green("revoked")} ${id}`
            : run.color.red(`no key with id ${id} (see \`holdfast keys ls\`)`),
        );
      if (!found) run.exitCode = 1;
    });
}
