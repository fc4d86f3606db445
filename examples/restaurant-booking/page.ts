/**
 * The seed's "Option 1: via browser": a booking form at `/`, with the assignment and the booking's
 * state-machine history live over the `/live` WebSocket (live.ts). Three static files, no build
 * step and nothing loaded from elsewhere: the Content-Security-Policy forbids it.
 */
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/booking.js": { file: "booking.js", type: "text/javascript; charset=utf-8" },
  "/booking.css": { file: "booking.css", type: "text/css; charset=utf-8" },
};

/** Same origin only: the page's script and style, its API calls and its WebSocket. */
export const BOOKING_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Serves the booking page at `/`. */
export function registerBookingPage(app: FastifyInstance): void {
  // No icon: answered, so browsers do not log a 404 for it.
  app.get("/favicon.ico", { config: { scope: "public" as const } }, async (_request, reply) =>
    reply.code(204).send(),
  );
  for (const [path, { file, type }] of Object.entries(FILES)) {
    const url = new URL(`./public/${file}`, import.meta.url);
    app.get(path, { config: { scope: "public" as const } }, async (_request, reply) =>
      reply
        .header("content-security-policy", BOOKING_PAGE_CSP)
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-cache")
        .type(type)
        .send(await readFile(url, "utf8")),
    );
  }
}
