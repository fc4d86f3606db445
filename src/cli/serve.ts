import type { Command } from "commander";
import { CONFIG_VARIABLES, resolveServeConfig } from "../server/config.js";
import { startServer, type LogStream } from "../server/serve.js";
import { describeRedisConfig, redisConfigFromEnv } from "../store/redis/config.js";
import type { DotEnvResult } from "../util/dotenv.js";
import { HOLDFAST_VERSION } from "../version.js";
import { intArg } from "./args.js";
import { formatBanner } from "./banner.js";
import { table } from "./output.js";
import type { CliRun } from "./io.js";
import { prettyLogStream } from "./pretty-log.js";

/**
 * `holdfast serve`. On a terminal it prints a short banner once ready and human log lines; with
 * `--json`, or when stdout is not a terminal (a container, a pipe, a file), JSON lines only.
 */
export function registerServe(program: Command, run: CliRun, context: { envFile?: DotEnvResult } = {}): void {
  const { io } = run;
  program
    .command("serve")
    .description("Run the HTTP + WebSocket service (memory store by default, Redis when REDIS_URL is set)")
    .option("-p, --port <port>", "TCP port (env PORT)")
    .option("-H, --host <host>", "address to bind (env HOST)")
    .option("--json", "log JSON lines, also on a terminal (the default when stdout is not a terminal)")
    .addHelpText(
      "after",
      "\nConfiguration (flags > environment > .env > HOLDFAST_CONFIG file > defaults):\n\n" +
        table(
          ["variable", "default", "meaning"],
          CONFIG_VARIABLES.map((v) => [v.env, v.defaultValue, v.description]),
        ),
    )
    .action(async (opts: { port?: string; host?: string; json?: boolean }) => {
      const config = resolveServeConfig(
        {
          ...(opts.port !== undefined ? { port: intArg("--port", opts.port, { min: 0, max: 65_535 }) } : {}),
          ...(opts.host !== undefined ? { host: opts.host } : {}),
        },
        io.env,
      );
      const human = io.stdout.isTTY === true && !opts.json;
      // On a terminal, log lines wait for the banner, so that it comes first.
      const held: string[] = [];
      let holding = human;
      const out = (text: string) => (holding ? held.push(text) : io.stdout.write(text));
      const flush = () => {
        holding = false;
        for (const text of held.splice(0)) io.stdout.write(text);
      };
      const logStream: LogStream = human ? prettyLogStream(out, { color: run.useColor }) : { write: out };

      let server;
      try {
        server = await startServer(config, { logStream, env: io.env });
      } catch (e) {
        flush(); // the warnings of a failed start come before its error
        throw e;
      }
      const env = context.envFile;
      if (env?.found) {
        server.app.log.info({ path: env.path, applied: env.applied, kept: env.kept }, "read .env");
      }
      if (human) {
        const redis = server.store.kind === "redis" ? redisConfigFromEnv(io.env) : undefined;
        io.stdout.write(
          formatBanner(
            {
              version: HOLDFAST_VERSION,
              url: server.url,
              readyMs: performance.now(),
              store: {
                kind: server.store.kind,
                mode: server.store.mode,
                ...(redis ? { where: describeRedisConfig(redis) } : {}),
              },
              auth: server.authMode,
              keysWhere: server.store.kind === "redis" ? "in Redis" : config.keysFile,
              dashboardUrl: `${server.url}/dashboard`,
              ...(env?.found ? { envFile: env } : {}),
            },
            run.color.bold,
          ),
        );
      }
      flush();
      const running = server;
      const shutdown = (signal: string) => {
        running.app.log.info({ signal }, "shutting down: draining in-flight requests");
        running.stop().then(
          () => io.exit(0),
          (e: unknown) => {
            running.app.log.error({ err: e }, "shutdown failed");
            io.exit(1);
          },
        );
      };
      io.signals.once("SIGTERM", () => shutdown("SIGTERM"));
      io.signals.once("SIGINT", () => shutdown("SIGINT"));
    });
}
