import { randomUUID } from "node:crypto";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import cors from "@fastify/cors";
import type { Store } from "../store/types.js";
import { histogram, histogramChild, type HistogramChild } from "../observe/metrics.js";
import { HttpError, sendError } from "./http-errors.js";
import { RouteRegistry } from "./route.js";
import { routeConfigOf } from "./route-config.js";
import { lazyChildLogger } from "./request-logger.js";
import { installReplyCheck } from "./reply-check.js";
import { ServerContext } from "./context.js";
import { Authenticator, type AuthMode } from "./auth/authenticator.js";
import type { KeyStore } from "./auth/key-store.js";
import type { ServiceLimits } from "./limits.js";
import { enableProcessMetrics, instrumentStore } from "./metrics.js";
import { Readiness } from "./readiness.js";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "../util/json-depth.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerPrimitiveRoutes } from "./routes/index.js";
import { attachChannelGateway } from "./ws/channel-service.js";
import { isProbeRequest } from "./probes.js";
import { observeActivity, registerDashboard } from "./dashboard/index.js";
import "./auth/principal.js";

/** Options of {@link buildApp}. */
export interface AppOptions {
  store: Store;
  keyStore: KeyStore;
  /** Allowed CORS origins; `true` reflects any origin; empty disables CORS. @defaultValue [] */
  corsOrigins?: string[] | true;
  /** pino log level for request logs. @defaultValue "info" */
  logLevel?: string;
  /** Largest request body in bytes. @defaultValue 1 MiB */
  bodyLimit?: number;
  /** How long API key records are cached, in ms (revocation delay). @defaultValue 5000 */
  keyCacheMs?: number;
  /**
   * Tests: check every reply against the responses its route documents (status, content type,
   * schema, no undocumented field); a mismatch becomes a 500 `HOLDFAST_REPLY_MISMATCH`.
   * @defaultValue false
   */
  checkReplies?: boolean;
  /**
   * `open` (every caller acts as an admin of any tenant: only for a service bound to loopback with
   * no key) or `keys`. Decided once; `holdfast serve` decides it at start and logs it. A `keys`
   * service never opens, even when every key is gone. @defaultValue "keys"
   */
  authMode?: AuthMode;
  /** Per-tenant and per-key bounds (channels, event sources, WebSocket connections). */
  limits?: Partial<ServiceLimits>;
  /** Where log lines go, one JSON line per `write`. @defaultValue stdout */
  logStream?: { write(line: string): void };
  /**
   * The built dashboard page served at `/dashboard`, or false for none (its API routes stay).
   * @defaultValue this package's `dist/dashboard`
   */
  dashboardDir?: string | false;
}

const httpDuration = histogram(
  "holdfast_http_request_duration_seconds",
  "HTTP request latency by route and status.",
  ["method", "route", "status"] as const,
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
);

/**
 * Fastify's JSON body parser (secure-json-parse) tests every body against two regular expressions
 * for `"__proto__":` and `"constructor":` keys, spelt plainly or with `\\u` escapes: about a
 * microsecond per lock request, most of it in the `constructor` one. A body with no backslash and
 * neither word cannot match either, and for it `JSON.parse` gives what the parser would; every
 * other body (and every malformed or empty one, for the same error) goes to Fastify's own parser.
 */
export function installJsonParser(app: FastifyInstance): void {
  const { onProtoPoisoning = "error", onConstructorPoisoning = "error" } = app.initialConfig;
  const fastifyParser = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (
      text.length > 0 &&
      text.charCodeAt(0) !== 0xfeff &&
      !text.includes("\\") &&
      !text.includes("__proto__") &&
      !text.includes("constructor")
    ) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // Malformed: Fastify's parser gives its own error (it answers by `done`, never a promise).
        void fastifyParser(request, text, done);
        return;
      }
      done(null, value);
      return;
    }
    void fastifyParser(request, text, done);
  });
}

/**
 * Builds the Fastify app: request ids on every response and log line, auth and tenant scoping,
 * zod-validated routes that also make `/openapi.json`, JSON errors (400 naming the field, 404,
 * 409 with the conflicting state, 429, 503 with Retry-After; never a 500 for bad input), metrics.
 */
export async function buildApp(
  options: AppOptions,
): Promise<{ app: FastifyInstance; context: ServerContext; auth: Authenticator; readiness: Readiness }> {
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const app = Fastify({
    logger: {
      level: options.logLevel ?? "info",
      name: "holdfast",
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // Load balancers and orchestrators poll these every few seconds: no request lines for them.
    logController: new LogController({ disableRequestLogging: isProbeRequest }),
    childLoggerFactory: lazyChildLogger,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    bodyLimit,
    return503OnClosing: true,
    // Names may be 512 characters, which percent-encode to three times that.
    routerOptions: { maxParamLength: 2048 },
    // Router-level failures (bad percent-encoding, over-long params) answer in the same JSON shape.
    frameworkErrors: (error, _request, reply) => {
      const status = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? 414 : 400;
      void sendError(
        reply,
        new HttpError(status, "HOLDFAST_INVALID_ARGUMENT", `Invalid URL: ${error.message}`, {
          field: "url",
          reason: error.message,
        }),
      );
    },
  });
  installJsonParser(app);
  const registry = new RouteRegistry();
  const auth = new Authenticator(options.keyStore, {
    mode: options.authMode ?? "keys",
    ...(options.keyCacheMs !== undefined ? { cacheMs: options.keyCacheMs } : {}),
    logger: app.log,
  });
  enableProcessMetrics();
  const store = instrumentStore(options.store);
  const context = new ServerContext(app, registry, store, app.log, options.limits);
  const readiness = new Readiness(store, auth);

  if (options.corsOrigins === true || (options.corsOrigins && options.corsOrigins.length > 0)) {
    await app.register(cors, {
      origin: options.corsOrigins,
      exposedHeaders: ["x-request-id", "retry-after", "ratelimit", "ratelimit-policy"],
      allowedHeaders: [
        "content-type",
        "authorization",
        "x-api-key",
        "x-holdfast-tenant",
        "x-request-id",
        "idempotency-key",
      ],
    });
  }

  app.decorateRequest("principal", undefined as never);
  app.decorateRequest("holdfastRouteConfig", undefined);
  // The per-request hooks take callbacks, not promises: on the hot path (a cached key or open
  // mode, a flat body) they answer without a promise or a microtask each.
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header("x-request-id", request.id);
    const scope = routeConfigOf(request)?.scope ?? "client";
    if (scope === "public") return done();
    let principal;
    try {
      principal = auth.authenticateNow(request.headers, scope);
    } catch (e) {
      return done(e as Error);
    }
    if (principal !== undefined) {
      request.principal = principal;
      return done();
    }
    auth.authenticate(request.headers, scope).then((p) => {
      request.principal = p;
      done();
    }, done);
  });
  // JSON.parse takes any depth; JSON.stringify and recursive code do not: refuse deep bodies here.
  app.addHook("preValidation", (request, _reply, done) => {
    if (!exceedsJsonDepth(request.body)) return done();
    done(
      new HttpError(
        400,
        "HOLDFAST_INVALID_ARGUMENT",
        `Invalid body: nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects (the limit of every body).`,
        { field: "body", reason: `must nest at most ${MAX_JSON_DEPTH} levels deep` },
      ),
    );
  });
  if (options.checkReplies) installReplyCheck(app, registry);
  // The histogram's children per route (Fastify keeps one config object per route), then per
  // method and status: no key is built per request, and there are as many as routes × statuses.
  const durations = new WeakMap<object, Map<string, Map<number, HistogramChild>>>();
  const unmatched = {};
  app.addHook("onResponse", (request, reply, done) => {
    const config = routeConfigOf(request);
    const status = reply.statusCode;
    let byMethod = durations.get(config ?? unmatched);
    if (byMethod === undefined) durations.set(config ?? unmatched, (byMethod = new Map()));
    let byStatus = byMethod.get(request.method);
    if (byStatus === undefined) byMethod.set(request.method, (byStatus = new Map()));
    let child = byStatus.get(status);
    if (child === undefined) {
      const route = config?.url ?? "unmatched";
      byStatus.set(
        status,
        (child = histogramChild(httpDuration, { method: request.method, route, status: String(status) })),
      );
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((error: Error, request, reply) => {
    const fastifyCode = (error as { code?: string }).code;
    if (
      fastifyCode?.startsWith("FST_ERR_CTP") ||
      fastifyCode === "FST_ERR_VALIDATION" ||
      (error as { statusCode?: number }).statusCode === 400
    ) {
      const status =
        fastifyCode === "FST_ERR_CTP_BODY_TOO_LARGE"
          ? 413
          : fastifyCode === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
            ? 415
            : 400;
      const reason =
        status === 413
          ? `larger than the limit of ${bodyLimit} bytes (HOLDFAST_BODY_LIMIT)`
          : status === 415
            ? `${error.message}; send JSON with \`content-type: application/json\``
            : error.message;
      return sendError(
        reply,
        new HttpError(status, "HOLDFAST_INVALID_ARGUMENT", `Invalid body: ${reason}`, {
          field: "body",
          reason,
        }),
      );
    }
    const http = error instanceof HttpError || (error as { code?: string }).code?.startsWith("HOLDFAST_");
    if (!http) request.log.error({ err: error }, "unexpected error");
    return sendError(reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new HttpError(
        404,
        "HOLDFAST_ROUTE_NOT_FOUND",
        `No route ${request.method} ${request.url}; see /openapi.json.`,
      ),
    ),
  );

  // Before any route: the dashboard hooks the one route whose answer it reads as it is registered.
  const activity = observeActivity(context);
  registerHealthRoutes(context, readiness);
  registerPrimitiveRoutes(context);
  attachChannelGateway(context, auth);
  registerDashboard(
    context,
    {
      keyStore: options.keyStore,
      ...(options.dashboardDir !== undefined ? { assetsDir: options.dashboardDir } : {}),
    },
    activity,
  );
  return { app, context, auth, readiness };
}
