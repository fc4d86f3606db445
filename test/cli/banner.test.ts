import { describe, expect, it } from "vitest";
import { formatBanner, type BannerInfo } from "../../src/cli/banner.js";
import { prettyLogStream } from "../../src/cli/pretty-log.js";
import { isProbeRequest } from "../../src/server/probes.js";

const base: BannerInfo = {
  version: "1.2.3",
  url: "http://127.0.0.1:4000",
  readyMs: 412,
  store: { kind: "memory", mode: "memory" },
  auth: "open",
  keysWhere: ".holdfast/keys.json",
};

describe("the serve banner", () => {
  it("says where, which store, who may call and where the docs are", () => {
    const text = formatBanner(base);
    expect(text).toContain("Holdfast 1.2.3 ready in 0.4 s");
    expect(text).toContain("  URL        http://127.0.0.1:4000\n");
    expect(text).toContain("  API docs   http://127.0.0.1:4000/docs");
    expect(text).toContain(
      "  Store      memory: embedded, one process, not durable (set REDIS_URL to use Redis)",
    );
    expect(text).toContain("  Auth       open to this machine only");
    expect(text).not.toContain("Dashboard");
    expect(text).not.toContain(".env");
  });

  it("adds the dashboard, keys mode, a Redis address and the .env it read", () => {
    const text = formatBanner({
      ...base,
      store: { kind: "redis", mode: "sentinel", where: "sentinel mymaster via 10.0.0.1:26379" },
      auth: "keys",
      keysWhere: "in Redis",
      dashboardUrl: "http://127.0.0.1:4000/dashboard",
      envFile: { path: "/app/.env", applied: ["REDIS_URL"], kept: ["PORT"] },
    });
    expect(text).toContain("  Dashboard  http://127.0.0.1:4000/dashboard");
    expect(text).toContain("  Store      Redis sentinel at sentinel mymaster via 10.0.0.1:26379");
    expect(text).toContain("  Auth       API keys required (keys: in Redis)");
    expect(text).toContain("  .env       REDIS_URL from /app/.env; kept from the environment: PORT");
  });
});

describe("pretty log lines", () => {
  const lines = (input: object[]) => {
    let out = "";
    const stream = prettyLogStream((t) => (out += t));
    for (const rec of input) stream.write(JSON.stringify(rec) + "\n");
    return out.trimEnd().split("\n");
  };

  it("print a level, the message and the fields, an error as its message", () => {
    const [line] = lines([
      { level: 40, time: 0, msg: "careful", keys: "file k.json", err: { message: "boom", stack: "…" } },
    ]);
    expect(line).toMatch(/^\d\d:\d\d:\d\d WARN {2}careful {2}keys="file k\.json" err="boom"$/);
  });

  it("make one line of a request, when it completes", () => {
    const out = lines([
      {
        level: 30,
        time: 0,
        msg: "incoming request",
        reqId: "r1",
        req: { method: "GET", url: "/v1/locks/a" },
      },
      {
        level: 30,
        time: 0,
        msg: "request completed",
        reqId: "r1",
        res: { statusCode: 200 },
        responseTime: 1.25,
      },
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/INFO {2}GET \/v1\/locks\/a 200 1\.3 ms$/);
  });

  it("pass through what is not JSON", () => {
    expect(lines([])).toEqual([""]);
    let out = "";
    prettyLogStream((t) => (out += t)).write("plain text");
    expect(out).toBe("plain text\n");
  });
});

describe("isProbeRequest", () => {
  it("matches GET and HEAD of the health and metrics paths, with or without a query", () => {
    for (const url of ["/healthz", "/readyz", "/livez", "/metrics", "/healthz?probe=1"]) {
      expect(isProbeRequest({ method: "GET", url })).toBe(true);
    }
    expect(isProbeRequest({ method: "HEAD", url: "/readyz" })).toBe(true);
    expect(isProbeRequest({ method: "POST", url: "/healthz" })).toBe(false);
    expect(isProbeRequest({ method: "GET", url: "/healthzz" })).toBe(false);
    expect(isProbeRequest({ method: "GET", url: "/v1/locks/healthz" })).toBe(false);
  });
});
