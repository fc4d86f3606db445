import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

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

const NOT_BUILT =
  "<!doctype html><html lang=en><meta charset=utf-8><title>Holdfast dashboard</title>" +
  "<h1>The dashboard is not built</h1><p>Run <code>npm run build</code>, then restart <code>holdfast serve</code>.</p></html>";

/**
 * Serves the dashboard at `/dashboard` (and `/dashboard/`) and its files at `/dashboard/assets/…`,
 * with no key: the page holds nothing secret, and every call it makes is authenticated. The page
 * is never cached (`no-cache`) and carries a strict CSP; assets are content-hashed, so they are
 * cached for a year (`immutable`). Only files found at start are served: no path reaches the disk.
 */
export function registerDashboardAssets(app: FastifyInstance, dir: string | undefined): void {
  const built = dir !== undefined && existsSync(join(dir, "index.html")) ? loadAssets(dir) : undefined;
  const page = (reply: FastifyReply) => {
    void reply
      .headers({ ...COMMON, "content-security-policy": DASHBOARD_CSP, "cache-control": "no-cache" })
      .type("text/html; charset=utf-8");
    if (!built) return reply.code(503).send(NOT_BUILT);
    return reply.send(built.index);
  };
  for (const url of ["/dashboard", "/dashboard/"]) {
    app.route({ method: "GET", url, config: { scope: "public" }, handler: (_req, reply) => page(reply) });
  }
  app.route({
    method: "GET",
    url: "/dashboard/assets/:file",
    config: { scope: "public" },
    handler: (request, reply) => {
      const name = (request.params as { file: string }).file;
      const asset = built?.files.get(name);
      if (!asset) {
        return reply.code(404).headers(COMMON).type("text/plain; charset=utf-8").send("Not found\n");
      }
      void reply.headers({
        ...COMMON,
        etag: asset.etag,
        "cache-control": "public, max-age=31536000, immutable",
      });
      if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
      return reply.type(asset.type).send(asset.body);
    },
  });
}
