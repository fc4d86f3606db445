import type { Command } from "commander";
import { createStore } from "../store/create-store.js";
import { checkRedis } from "../store/redis/check.js";
import { redisConfigFromEnv, describeRedisConfig } from "../store/redis/config.js";
import { StoreUnavailableError } from "../errors/store-errors.js";
import { resolveServeConfig } from "../server/config.js";
import { FileKeyStore, StoreKeyStore } from "../server/auth/key-store.js";
import { checkKeys } from "../server/auth/check-keys.js";
import type { CliRun } from "./io.js";

/** Exit codes scripts can trust: 0 all good, 1 warnings, 2 errors (unreachable, too old). */
export function registerDoctor(program: Command, run: CliRun): void {
  const { env } = run.io;
  program
    .command("doctor")
    .description("Connect to the configured store and check what could break Holdfast's guarantees")
    .option("--json", "print findings as JSON")
    .action(async (opts: { json?: boolean }) => {
      const cfg = redisConfigFromEnv(env);
      let findings: {
        check: string;
        level: "ok" | "warn" | "error";
        message: string;
        fix?: string;
        node?: string;
      }[];
      try {
        const config = resolveServeConfig({}, env);
        const store = await createStore({ checkServer: false, logger: silent, prefix: config.prefix, env });
        try {
          findings = await checkRedis(store);
          if (!findings.some((f) => f.level === "error" && f.check === "connection")) {
            findings.push(
              ...(await checkKeys(
                store.kind === "redis" ? new StoreKeyStore(store) : new FileKeyStore(config.keysFile),
                config.host,
              )),
            );
          }
        } finally {
          await store.close();
        }
      } catch (e) {
        // The store says what went wrong (WRONGPASS, connection refused…) and what to do about it.
        const unavailable = e instanceof StoreUnavailableError;
        findings = [
          {
            check: "connection" as const,
            level: "error" as const,
            message: `cannot reach ${cfg ? describeRedisConfig(cfg) : "Redis"}: ${unavailable ? e.detail : e instanceof Error ? e.message : String(e)}`,
            fix: `${unavailable ? e.fix : "Fix REDIS_URL / REDIS_HOST / REDIS_PORT."} Then run \`holdfast doctor\` again.`,
          },
        ];
      }
      const worst = findings.some((f) => f.level === "error")
        ? 2
        : findings.some((f) => f.level === "warn")
          ? 1
          : 0;
      if (opts.json) {
        run.printJson({ target: cfg ? describeRedisConfig(cfg) : "memory", findings, exitCode: worst });
      } else {
        run.log(
          run.color.bold(
            `holdfast doctor: ${cfg ? describeRedisConfig(cfg) : "embedded memory store (no REDIS_URL set)"}`,
          ),
        );
        for (const f of findings) {
          const mark =
            f.level === "ok"
              ? run.color.green("ok  ")
              : f.level === "warn"
                ? run.color.yellow("warn")
                : run.color.red("FAIL");
          run.log(`${mark} ${f.check.padEnd(12)} ${f.node ? run.color.dim(f.node + " ") : ""}${f.message}`);
          if (f.fix) run.log(`     ${run.color.dim("fix:")} ${f.fix}`);
        }
      }
      run.exitCode = worst;
    });
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
