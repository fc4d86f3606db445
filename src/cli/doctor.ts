import type { Command } from "commander";
import { createStore } from "../store/create-store.js";
import { checkRedis } from "../store/redis/check.js";
import { redisConfigFromEnv, describeRedisConfig } from "../store/redis/config.js";
import { StoreUnavailableError } from "../errors/store-errors.js";
import { resolveServeConfig } from "../server/config.js";
import { FileKeyStore, StoreKeyStore } from "../server/auth/key-store.js";
import { checkKeys } from "../server/auth/check-keys.js";
import { color, printJson } from "./output.js";

/** Exit codes scripts can trust: 0 all good, 1 warnings, 2 errors (unreachable, too old). */
export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("Connect to the configured store and check what could break Holdfast's guarantees")
    .option("--json", "print findings as JSON")
    .action(async (opts: { json?: boolean }) => {
      const cfg = redisConfigFromEnv();
      let findings: {
        check: string;
        level: "ok" | "warn" | "error";
        message: string;
        fix?: string;
        node?: string;
      }[];
      try {
        const config = resolveServeConfig();
        const store = await createStore({ checkServer: false, logger: silent, prefix: config.prefix });
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
        const message = e instanceof StoreUnavailableError ? e.message : String(e);
        findings = [
          {
            check: "connection" as const,
            level: "error" as const,
            message: `cannot reach ${cfg ? describeRedisConfig(cfg) : "Redis"}: ${message}`,
            fix: "Start Redis or fix REDIS_URL / REDIS_HOST / REDIS_PORT, then run `holdfast doctor` again.",
          },
        ];
      }
      const worst = findings.some((f) => f.level === "error")
        ? 2
        : findings.some((f) => f.level === "warn")
          ? 1
          : 0;
      if (opts.json) {
        printJson({ target: cfg ? describeRedisConfig(cfg) : "memory", findings, exitCode: worst });
      } else {
        console.log(
          color.bold(
            `holdfast doctor: ${cfg ? describeRedisConfig(cfg) : "embedded memory store (no REDIS_URL set)"}`,
          ),
        );
        for (const f of findings) {
          const mark =
            f.level === "ok"
              ? color.green("ok  ")
              : f.level === "warn"
                ? color.yellow("warn")
                : color.red("FAIL");
          console.log(`${mark} ${f.check.padEnd(12)} ${f.node ? color.dim(f.node + " ") : ""}${f.message}`);
          if (f.fix) console.log(`     ${color.dim("fix:")} ${f.fix}`);
        }
      }
      process.exitCode = worst;
    });
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
