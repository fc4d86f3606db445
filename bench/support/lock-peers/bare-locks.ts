/**
 * The floor of a Node HTTP lock service (bench/http.ts's peer): bare `node:http` + ioredis doing
 * seed 004's two commands behind its `/api/locks/acquire` and `/api/locks/release`, nothing else.
 * PORT, HOST, REDIS_HOST, REDIS_PORT.
 */
import { createServer, type ServerResponse } from "node:http";
import { acquire, connect, release, type Reply } from "./seed-lock-core.js";

const redis = connect();

function send(res: ServerResponse, r: Reply): void {
  const json = JSON.stringify(r.body);
  res.writeHead(r.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

const server = createServer((req, res) => {
  const route =
    req.method === "POST" && req.url === "/api/locks/acquire"
      ? acquire
      : req.method === "POST" && req.url === "/api/locks/release"
        ? release
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
    route(redis, body).then(
      (r) => send(res, r),
      () => send(res, { status: 503, body: { success: false, message: "Lock service unavailable" } }),
    );
  });
});
const port = Number(process.env.PORT ?? 4000);
server.listen(port, process.env.HOST ?? "127.0.0.1", () => console.log(`bare locks on ${port}`));
process.once("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});
