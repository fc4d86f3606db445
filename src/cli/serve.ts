import type { Command } from "commander";
import { CONFIG_VARIABLES, resolveServeConfig } from "../server/config.js";
import { startServer } from "../server/serve.js";
import { table } from "./output.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Run the HTTP + WebSocket service (memory store by default, Redis when REDIS_URL is set)")
    .option("-p, --port <port>", "TCP port (env PORT)")
    .option("-H, --host <host>", "address to bind (env HOST)")
    .option("--json", "accepted for symmetry: the service always logs JSON lines")
    .addHelpText(
      "after",
      "\nConfiguration (flags > environment > HOLDFAST_CONFIG file > defaults):\n\n" +
        table(
          ["variable", "default", "meaning"],
          CONFIG_VARIABLES.map((v) => [v.env, v.defaultValue, v.description]),
        ),
    )
    .action(async (opts: { port?: string; host?: string }) => {
      const config = resolveServeConfig({
        ...(opts.port !== undefined ? { port: Number(opts.port) } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
      });
      const server = await startServer(config);
      const shutdown = (signal: string) => {
        server.app.log.info({ signal }, "shutting down: draining in-flight requests");
        server.stop().then(
          () => process.exit(0),
          (e: unknown) => {
            server.app.log.error({ err: e }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
}
