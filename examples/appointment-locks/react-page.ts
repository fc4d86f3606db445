/**
 * Serves the React version of the booking page (`react/TimeSlotPage.tsx`) at `/react.html`: its
 * bundle is built with esbuild on the first request (a dev dependency, present in a checkout) and
 * kept in memory, so `npm run example:appointments` needs no build step. The page reuses the plain
 * page's styles (read from public/index.html).
 */
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { bundlePage } from "../support/bundle-page.js";

let bundle: Promise<string> | undefined;

/** The page's bundle (React's production build), built once per process. */
export function reactBundle(): Promise<string> {
  bundle ??= bundlePage(new URL("./react/main.tsx", import.meta.url), { production: true }).catch(
    (e: unknown) => {
      bundle = undefined;
      throw e;
    },
  );
  return bundle;
}

export function registerReactPage(app: FastifyInstance, options: { refreshIntervalMs: number }): void {
  const publicRoute = { config: { scope: "public" as const } };
  app.get("/react.html", publicRoute, async (_request, reply) => {
    const plain = await readFile(new URL("./public/index.html", import.meta.url), "utf8");
    const style = /<style>[\s\S]*?<\/style>/.exec(plain)?.[0] ?? "";
    return reply
      .type("text/html; charset=utf-8")
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8" /><title>Book an appointment (React)</title>${style}</head>` +
          `<body data-refresh-interval-ms="${options.refreshIntervalMs}"><div id="root"></div>` +
          `<script type="module" src="/react.js"></script></body></html>`,
      );
  });
  app.get("/react.js", publicRoute, async (request, reply) => {
    try {
      return reply.type("text/javascript; charset=utf-8").send(await reactBundle());
    } catch (e) {
      request.log.error({ err: e }, "building the React page failed");
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(
          "The React page could not be built: run `npm install` (esbuild and react are dev dependencies).",
        );
    }
  });
}
