/**
 * The bare node:http plumbing shared by the two node:http peers of bench/http.ts: seed 004's
 * `/api/locks/acquire`, `/api/locks/release` and `/api/locks/health`, the body read by hand and
 * parsed with `JSON.parse`, replies written with `writeHead` + `end`; nothing else (no router, no
 * hooks, no schema, no logging). What the lock calls behind the two routes cost is the only
 * difference between the peers. PORT, HOST.
 */
import { createServer, type ServerResponse } from "node:http";
import type { Reply } from "./seed-lock-core.js";
import { envInt } from "../env.js";

/** The two lock routes: the parsed JSON body in, the reply out (a rejection answers 503). */
export interface SeedRoutes {
  acquire(body: object): Promise<Reply>;
  release(body: object): Promise<Reply>;
}

function send(res: ServerResponse, r: Reply): void {
  const json = JSON.stringify(r.body);
  res.writeHead(r.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

/** Serves `routes` on PORT/HOST; `stop` runs on SIGTERM, then the process exits. */
export function serveSeedRoutes(name: string, routes: SeedRoutes, stop: () => Promise<void> | void): void {
  const server = createServer((req, res) => {
    const route =
      req.method === "POST" && req.url === "/api/locks/acquire"
        ? routes.acquire
        : req.method === "POST" && req.url === "/api/locks/release"
          ? routes.release
          : undefined;
    if (req.method === "GET" && req.url === "/api/locks/health") {
      send(res, {
        status: 200,
        body: { success: true, healthy: true, message: "Lock service is operational" },
      });
      return;
    }
    if (!route) {
      req.resume();
      send(res, { status: 404, body: { success: false, message: "Not found" } });
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: object;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as object;
      } catch {
        send(res, { status: 400, body: { success: false, message: "Invalid JSON" } });
        return;
      }
      route(body).then(
        (r) => send(res, r),
        () => send(res, { status: 503, body: { success: false, message: "Lock service unavailable" } }),
      );
    });
  });
  const port = envInt("PORT", 4000, 1);
  server.listen(port, process.env.HOST ?? "127.0.0.1", () => console.log(`${name} on ${port}`));
  process.once("SIGTERM", () => {
    void Promise.resolve()
      .then(stop)
      .finally(() => process.exit(0));
  });
}
