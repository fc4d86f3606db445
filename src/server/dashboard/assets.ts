import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { ServerContext } from "../context.js";
import { HttpError, sendError } from "../http-errors.js";
import { defineRoute } from "../route.js";
import { errorResponse } from "../routes/common.js";

/**
 * The dashboard page's Content-Security-Policy: its own scripts, styles and API only. No inline
 * script or style, no other origin, no framing, no form posts, no `<base>`; WebSockets and
 * server-sent events go to the same origin (`'self'` covers `ws:`/`wss:` of the same host).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".map": "application/json; charset=utf-8",
};

/** Headers of every dashboard answer: no sniffing, no referrer, no framing, no shared window. */
const COMMON = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Where `npm run build` puts the dashboard: `dist/dashboard`, beside `dist/server`. */
export function defaultAssetsDir(): string | undefined {
  const candidates = [
    new URL("../../dashboard/", import.meta.url), // running from dist/server/dashboard/
    new URL("../../../dist/dashboard/", import.meta.url), // running from src/server/dashboard/ (tsx)
  ];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  return undefined;
}

/** Reads the built files once: `index.html` and the content-hashed files of `assets/`. */
function loadAssets(dir: string): { index: Buffer; files: Map<string, Asset> } {
  const files = new Map<string, Asset>();
  const assets = join(dir, "assets");
  for (const name of existsSync(assets) ? readdirSync(assets) : []) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(assets, name));
    files.set(name, {
      body,
      type,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
    });
  }
  return { index: readFileSync(join(dir, "index.html")), files };
}

/**
 * Serves the dashboard at `/dashboard` (`/dashboard/` redirects there) and its files at
 * `/dashboard/assets/…`, with no key: the page holds nothing secret, and every call it makes is
 * authenticated. The page is never cached (`no-cache`) and carries a strict CSP; assets are
 * content-hashed, so they are cached for a year (`immutable`). Only files found at start are
 * served: no path reaches the disk.
 */
export function registerDashboardAssets(ctx: ServerContext, dir: string | undefined): void {
  const { app } = ctx;
  const built = dir !== undefined && existsSync(join(dir, "index.html")) ? loadAssets(dir) : undefined;
  defineRoute(ctx.app, ctx.registry, {
    method: "GET",
    url: "/dashboard",
    operationId: "getDashboardPage",
    tag: "dashboard",
    scope: "public",
    summary: "The operator dashboard (an HTML page; it signs in with an API key)",
    responses: {
      200: { description: "The page", schema: z.string(), contentType: "text/html" },
      503: errorResponse("The dashboard is not built: run `npm run build` (HOLDFAST_DASHBOARD_NOT_BUILT)"),
    },
    handler: async ({ reply }) => {
      void reply.headers({
        ...COMMON,
        "content-security-policy": DASHBOARD_CSP,
        "cache-control": "no-cache",
      });
      if (!built) {
        throw new HttpError(
          503,
          "HOLDFAST_DASHBOARD_NOT_BUILT",
          "The dashboard is not built: run `npm run build`, then restart `holdfast serve`.",
        );
      }
      void reply.type("text/html; charset=utf-8");
      return built.index.toString("utf8");
    },
  });
  app.route({
    method: "GET",
    url: "/dashboard/",
    config: { scope: "public" },
    handler: (_request, reply) => reply.headers(COMMON).redirect("/dashboard"),
  });
  app.route({
    method: "GET",
    url: "/dashboard/assets/:file",
    config: { scope: "public" },
    handler: (request, reply) => {
      const name = (request.params as { file: string }).file;
      const asset = built?.files.get(name);
      void reply.headers(COMMON);
      if (!asset) {
        return sendError(
          reply,
          new HttpError(404, "HOLDFAST_ROUTE_NOT_FOUND", `No dashboard file "${name}".`),
        );
      }
      void reply.headers({ etag: asset.etag, "cache-control": "public, max-age=31536000, immutable" });
      if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
      return reply.type(asset.type).send(asset.body);
    },
  });
}
