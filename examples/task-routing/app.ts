/**
 * Seed 003's task router with a live feed, rebuilt on Holdfast: the seed's routes and response
 * shapes, its two Redis channels as durable Holdfast channels (bounded history, resume without
 * gaps), its WebSocket server as the Holdfast gateway on the same port, and its stats kept in the
 * store so every instance agrees.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import {
  assertInt,
  type Channels,
  createChannels,
  createGateway,
  type Gateway,
  type GatewayOptions,
  isStoreFailure,
  type Store,
} from "holdfast";
import { appCounter as counter } from "../support/metrics.js";
import { authModeAtStart, buildApp, keyStoreFor } from "holdfast/server";
import { LiveFeed } from "./feed.js";
import { complexity, selectAgent, type Agent, type ComplexityScore } from "./scoring.js";
import { RoutingStats } from "./stats.js";

/** The seed's channel of routing decisions. */
export const ROUTING_CHANNEL = "task:routing";
/** The seed's channel of agent status updates. */
export const STATUS_CHANNEL = "agent:status";
const FEED_CHANNELS: readonly string[] = [ROUTING_CHANNEL, STATUS_CHANNEL];
/** WebSocket paths of the feed's port: the seed's `/`, and `/v1/ws` where ChannelClient connects. */
const WS_PATHS = ["/", "/v1/ws"] as const;

/** Options of {@link buildTaskRoutingApp}. */
export interface TaskRoutingAppOptions {
  store: Store;
  /** Messages each feed channel keeps for clients that reconnect. @defaultValue 1000 */
  historyMaxLen?: number;
  /** Feed messages older than this are dropped from the history, in ms. @defaultValue 86_400_000 (24 h) */
  historyMaxAgeMs?: number;
  /** Recent decisions kept in the stats; an agent's `load` is its share of them. @defaultValue 20 */
  statsWindow?: number;
  /** `recentDecisions` returned by `GET /api/routing/test`, newest first (≤ statsWindow). @defaultValue 10 */
  recentLimit?: number;
  /**
   * The WebSocket gateway's port (0 = any free port): a port of its own, as in the seed (API on
   * 3000, WebSocket on 3001), so `new WebSocket("ws://localhost:3001")` works as written. The API
   * port's own `/` and `/v1/ws` belong to the Holdfast service's tenant-scoped gateway.
   * @defaultValue 3001
   */
  wsPort?: number;
  /** Host the gateway listens on. @defaultValue "127.0.0.1" */
  wsHost?: string;
  /** Names a WebSocket client from its upgrade request; throw to refuse it (401). @defaultValue anonymous */
  identify?: GatewayOptions["identify"];
  /**
   * Decides each WebSocket subscribe/publish. @defaultValue subscribing to `task:routing` and
   * `agent:status` only; publishing is refused (only the router publishes).
   */
  authorize?: GatewayOptions["authorize"];
  keysFile?: string;
  /**
   * The address the app will listen on: without API keys it runs open only on loopback, and refuses
   * to start elsewhere (decided once, as `holdfast serve` does). @defaultValue "127.0.0.1"
   */
  host?: string;
  logLevel?: string;
  /**
   * After a store failure, how long the feed is skipped (answering at once) before one call tries
   * the store again, in ms; doubles while it keeps failing, up to 5 s. @defaultValue 1000
   */
  feedRetryMs?: number;
}

/** A built app: close it with `app.close()` (which also closes the gateway and the channels). */
export interface TaskRoutingApp {
  /** The HTTP API (not listening yet: call `app.listen`). */
  app: FastifyInstance;
  /** The WebSocket feed's server (paths `/` and `/v1/ws`), already listening on {@link wsPort}. */
  wsServer: Server;
  /** The port of the WebSocket feed. */
  wsPort: number;
  /** The feed's channels (publish or subscribe in-process). */
  channels: Channels;
}

/** The seed's `decision` object (the response of `POST /api/routing/test`). */
export interface RoutingDecision {
  id: string;
  taskId: string;
  selectedAgent: Agent;
  complexityScore: ComplexityScore;
  reason: string;
  /** ISO 8601. */
  timestamp: string;
}

const body = z.object({
  text: z
    .string()
    .max(10_000)
    .refine((t) => t.trim().length > 0, "must not be empty"),
  taskId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\w.:-]+$/, "letters, digits and _ . : - only")
    .optional(),
});

const metrics = {
  routed: counter("routing_decisions_total", "Seed 003 app: tasks routed, by agent.", ["agent"] as const),
  feedFailures: counter(
    "routing_feed_failures_total",
    "Seed 003 app: routing decisions not published or not counted because the store failed, by what.",
    ["what"] as const,
  ),
};
const failed = {
  decision: metrics.feedFailures.labels("decision"),
  status: metrics.feedFailures.labels("status"),
  stats: metrics.feedFailures.labels("stats"),
};

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Builds the app: the Holdfast service (`/v1`, `/healthz`, `/metrics`…), the seed's routes and a
 * live feed page at `/`, and starts the WebSocket gateway of the feed on `wsPort`.
 *
 * @example
 * const { app } = await buildTaskRoutingApp({ store: await createStore(), wsPort: 3001 });
 * await app.listen({ port: 3000 });   // POST /api/routing/test; ws://localhost:3001
 */
export async function buildTaskRoutingApp(options: TaskRoutingAppOptions): Promise<TaskRoutingApp> {
  const { store } = options;
  const history = {
    mode: "durable" as const,
    maxLen: options.historyMaxLen ?? 1000,
    maxAgeMs: options.historyMaxAgeMs ?? 86_400_000,
  };
  const statsWindow = assertInt("statsWindow", options.statsWindow ?? 20, 1, 1000);
  const recentLimit = assertInt(
    "recentLimit",
    options.recentLimit ?? Math.min(10, statsWindow),
    1,
    statsWindow,
  );
  const channels: Channels = createChannels(store, {
    channels: { [ROUTING_CHANNEL]: history, [STATUS_CHANNEL]: history },
  });
  const stats = new RoutingStats<RoutingDecision>(store, ROUTING_CHANNEL, { window: statsWindow });
  const keyStore = keyStoreFor(store, options.keysFile ?? ".holdfast/keys.json");
  const { app } = await buildApp({
    store,
    keyStore,
    authMode: await authModeAtStart(keyStore, options.host),
    logLevel: options.logLevel ?? "info",
  });
  const publicRoute = { config: { scope: "public" as const } };

  const gatewayOptions = {
    store,
    channels,
    identify: options.identify,
    authorize:
      options.authorize ??
      (({ action, channel }) => action === "subscribe" && FEED_CHANNELS.includes(channel)),
  } satisfies Omit<GatewayOptions, "server" | "port">;
  // The feed's own HTTP server, WebSocket only: `/` for the seed's `new WebSocket("ws://host:3001")`
  // and `/v1/ws` for Holdfast's ChannelClient; one Channels behind both.
  const wsServer = createServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" }).end("WebSocket only: ws://<host>:<port>/\n");
  });
  const gateways: Gateway[] = [];
  try {
    for (const path of WS_PATHS)
      gateways.push(await createGateway({ ...gatewayOptions, server: wsServer, path }));
    await new Promise<void>((resolve, reject) => {
      wsServer.once("error", reject);
      wsServer.listen(options.wsPort ?? 3001, options.wsHost ?? "127.0.0.1", () => {
        wsServer.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    await Promise.all(gateways.map((g) => g.close()));
    await app.close();
    await channels.close();
    throw e;
  }
  // Before the HTTP server closes, so clients get 1012 (service restart) and reconnect elsewhere.
  app.addHook("preClose", async () => {
    await Promise.all(gateways.map((g) => g.close()));
    wsServer.closeAllConnections();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  });
  const wsPort = (wsServer.address() as AddressInfo).port;
  app.addHook("onClose", async () => {
    await channels.close();
  });

  const feed = new LiveFeed(
    store,
    channels,
    { decisions: ROUTING_CHANNEL, status: STATUS_CHANNEL },
    { onLost: (step) => failed[step].inc(), breakerOpenMs: options.feedRetryMs },
  );

  app.post("/api/routing/test", publicRoute, async (request, reply) => {
    const parsed = body.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const score = complexity(parsed.data.text);
    const { agent, reason } = selectAgent(score);
    const now = Date.now();
    const decision: RoutingDecision = {
      id: randomUUID(),
      taskId: parsed.data.taskId ?? randomUUID(),
      selectedAgent: agent,
      complexityScore: score,
      reason,
      timestamp: new Date(now).toISOString(),
    };
    metrics.routed.labels(agent.id).inc();
    const live = await feed.announce({
      agent,
      payload: {
        id: decision.id,
        taskId: decision.taskId,
        agent,
        complexityScore: decision.complexityScore,
        reason: decision.reason,
        timestamp: now,
      },
      now,
      record: () => stats.record(agent.id, decision),
    });
    return {
      success: true,
      decision,
      live,
      ...(live.error ? { degraded: true, degradedReason: live.error } : {}),
    };
  });

  app.get("/api/routing/test", publicRoute, async (_request, reply) => {
    const statsUnavailable = (why: string) =>
      reply
        .code(503)
        .header("retry-after", "1")
        .send({
          success: false,
          reason: "stats_unavailable",
          message: `The routing stats are kept in the store, which is unreachable (${why}). Try again shortly.`,
        });
    // Known down: answer at once rather than wait for a reconnect.
    const down = feed.unavailable();
    if (down !== undefined) return statsUnavailable(down);
    try {
      return { success: true, stats: await stats.read(recentLimit) };
    } catch (e) {
      if (!isStoreFailure(e)) throw e;
      return statsUnavailable(messageOf(e));
    }
  });

  app.get("/", publicRoute, async (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .send(
        (await readFile(new URL("./public/index.html", import.meta.url), "utf8")).replace(
          "__WS_PORT__",
          String(wsPort),
        ),
      ),
  );
  return { app, wsServer, wsPort, channels };
}

function invalid(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const issue = error.issues[0];
  const field = issue.path.join(".") || "body";
  return reply
    .code(400)
    .send({ success: false, reason: "invalid_request", field, message: `${field}: ${issue.message}` });
}
