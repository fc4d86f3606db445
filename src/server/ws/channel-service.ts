import { createServer, STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { LRUCache } from "lru-cache";
import { WebSocketServer } from "ws";
import { Channels } from "../../channel/channels.js";
import { DEFAULT_CHANNEL_CONFIG, type ChannelConfig } from "../../channel/options.js";
import { globToRegExp } from "../../channel/transport.js";
import { isStoreFailure } from "../../errors/store-errors.js";
import { createGateway, type Gateway } from "../../gateway/gateway.js";
import { CLOSE_CODES } from "../../gateway/protocol.js";
import { counter } from "../../observe/metrics.js";
import type { Authenticator } from "../auth/authenticator.js";
import { MAX_CACHED_TENANT_OBJECTS, type ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { TenantChannels } from "./tenant-channels.js";
import { WsTokens, type WsTokenRecord } from "./tokens.js";

/** Options of the service's channels and WebSocket gateway. */
export interface ChannelServiceOptions {
  /**
   * Delivery settings of every channel of every tenant. Durable by default, so a client that
   * reconnects resumes after the last id it saw. @defaultValue `{ mode: "durable", maxLen: 1000, maxAgeMs: 86_400_000 }`
   */
  channelDefaults?: ChannelConfig;
  /** Upgrade paths served; `/` keeps `new WebSocket("ws://host:port")` working. @defaultValue ["/v1/ws", "/"] */
  paths?: string[];
  /** Ping interval of every socket, in ms. @defaultValue 30_000 */
  heartbeatIntervalMs?: number;
  /** On shutdown, how long sockets get to close (1012) before being dropped, in ms. @defaultValue 5000 */
  shutdownTimeoutMs?: number;
}

export const DEFAULT_CHANNEL_SERVICE_OPTIONS = {
  channelDefaults: { ...DEFAULT_CHANNEL_CONFIG, mode: "durable" } as ChannelConfig,
  paths: ["/v1/ws", "/"],
  heartbeatIntervalMs: 30_000,
  shutdownTimeoutMs: 5000,
};

/** The prefix of a token carried in `Sec-WebSocket-Protocol` (`holdfast.token.hft_…`). */
export const TOKEN_PROTOCOL_PREFIX = "holdfast.token.";

const refusedConnections = counter(
  "holdfast_server_ws_connections_refused_total",
  "WebSocket connections closed with 4029 because their API key or tenant was at its connection cap.",
);
const upgrades = counter("holdfast_server_ws_upgrades_total", "WebSocket upgrade requests, by outcome.", [
  "result",
] as const);

/** Who a socket belongs to; the gateway's `identity`. */
export type SocketIdentity = Pick<WsTokenRecord, "tenant" | "role" | "keyId" | "channels" | "publish">;

/**
 * The service's channels: one shared {@link Channels} on the base store (one Redis subscriber
 * connection for all tenants), a {@link TenantChannels} view per tenant, and one gateway per tenant
 * attached to a private, never-listening HTTP server to which upgrades are handed once the socket's
 * tenant is known. The gateway passes channel names straight to the Channels it is given, so
 * per-tenant gateways are what keeps tenants' names apart.
 */
export class ChannelService {
  readonly channels: Channels;
  readonly tokens: WsTokens;
  readonly options: typeof DEFAULT_CHANNEL_SERVICE_OPTIONS;
  private readonly views = new LRUCache<string, TenantChannels>({ max: MAX_CACHED_TENANT_OBJECTS });
  /** One gateway per tenant with open sockets; closed and dropped when its last socket closes. */
  private readonly gateways = new Map<string, Promise<Gateway>>();
  private readonly identities = new WeakMap<IncomingMessage, SocketIdentity>();
  /** Open sockets (and upgrades under way) per API key and per tenant, for the caps. */
  private readonly perKey = new Map<string, number>();
  private readonly perTenant = new Map<string, number>();
  /** Completes the handshake of a refused socket, only to close it with 4029 and a reason. */
  private readonly refuser = new WebSocketServer({ noServer: true, clientTracking: false });
  closing = false;
  /** Told of each message a tenant publishes or this process receives for a tenant's subscriptions. */
  observer: ((tenant: string, event: "publish" | "message", channel: string) => void) | undefined;

  constructor(
    readonly ctx: ServerContext,
    options: ChannelServiceOptions = {},
  ) {
    this.options = { ...DEFAULT_CHANNEL_SERVICE_OPTIONS, ...options };
    this.channels = new Channels(ctx.store, { defaults: this.options.channelDefaults });
    this.tokens = new WsTokens(ctx.store);
  }

  /** The channels of `tenant`. */
  tenant(tenant: string): TenantChannels {
    let v = this.views.get(tenant);
    if (!v) {
      v = new TenantChannels(this.channels, tenant, this.ctx.tenantStore(tenant), {
        maxChannels: this.ctx.limits.maxChannelsPerTenant,
        maxAgeMs: this.options.channelDefaults.maxAgeMs ?? 0,
      });
      v.observer = (event, channel) => this.observer?.(tenant, event, channel);
      this.views.set(tenant, v);
    }
    return v;
  }

  /** Channels of `tenant` with subscribers on this process, and how many sockets subscribe to each. */
  async subscribers(tenant: string): Promise<Map<string, number>> {
    const g = this.gateways.get(tenant);
    return g ? (await g).subscribers() : new Map();
  }

  /** Open sockets of an API key and of a tenant. */
  connections(of: { keyId?: string; tenant?: string }): number {
    return of.keyId !== undefined
      ? (this.perKey.get(of.keyId) ?? 0)
      : (this.perTenant.get(of.tenant ?? "") ?? 0);
  }

  /**
   * Hands an authenticated upgrade to its tenant's gateway, or, past the caps of its key or its
   * tenant, completes the handshake and closes the socket with 4029 and a reason naming the cap
   * (a browser sees the close code; it cannot see an HTTP status).
   */
  async accept(req: IncomingMessage, socket: Duplex, head: Buffer, identity: SocketIdentity): Promise<void> {
    if (this.closing) throw new HttpError(503, "HOLDFAST_SHUTTING_DOWN", "The server is shutting down.");
    const { maxWsConnectionsPerKey: perKey, maxWsConnectionsPerTenant: perTenant } = this.ctx.limits;
    const refusal =
      this.connections({ keyId: identity.keyId }) >= perKey
        ? `too many connections for this API key (at most ${perKey}; HOLDFAST_WS_MAX_CONNECTIONS_PER_KEY)`
        : this.connections({ tenant: identity.tenant }) >= perTenant
          ? `too many connections for this tenant (at most ${perTenant}; HOLDFAST_WS_MAX_CONNECTIONS_PER_TENANT)`
          : undefined;
    if (refusal) {
      refusedConnections.inc();
      this.refuser.handleUpgrade(req, socket, head, (ws) =>
        ws.close(CLOSE_CODES.TOO_MANY_CONNECTIONS, refusal),
      );
      return;
    }
    // Counted before the first await, so a tenant's gateway is never dropped under an upgrade.
    this.count(identity, 1);
    socket.once("close", () => this.count(identity, -1));
    const gateway = await this.gatewayOf(identity.tenant);
    this.identities.set(req, identity);
    const url = new URL(req.url ?? "/", "http://holdfast");
    req.url = `/v1/ws${url.search}`;
    gateway.server.emit("upgrade", req, socket, head);
  }

  private count(identity: SocketIdentity, by: 1 | -1): void {
    const add = (map: Map<string, number>, k: string) => {
      const n = (map.get(k) ?? 0) + by;
      if (n > 0) map.set(k, n);
      else map.delete(k);
      return n;
    };
    add(this.perKey, identity.keyId);
    if (add(this.perTenant, identity.tenant) === 0 && !this.closing) {
      // The tenant's last socket closed: its gateway (and its heartbeat timer) goes too.
      const g = this.gateways.get(identity.tenant);
      this.gateways.delete(identity.tenant);
      void g?.then((gateway) => gateway.close()).catch(() => undefined);
    }
  }

  /** Closes every socket with 1012 (up to `shutdownTimeoutMs`), then the shared Channels. */
  async close(): Promise<void> {
    this.closing = true;
    const all = await Promise.allSettled(this.gateways.values());
    await Promise.all(all.map((g) => (g.status === "fulfilled" ? g.value.close() : Promise.resolve())));
    this.gateways.clear();
    this.refuser.close();
    await this.channels.close();
  }

  private gatewayOf(tenant: string): Promise<Gateway> {
    let g = this.gateways.get(tenant);
    if (!g) {
      const server: Server = createServer();
      g = createGateway({
        store: this.ctx.store,
        channels: this.tenant(tenant),
        server,
        path: "/v1/ws",
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        shutdownTimeoutMs: this.options.shutdownTimeoutMs,
        logger: this.ctx.logger,
        identify: (req) => {
          const id = this.identities.get(req);
          if (!id) throw new Error("unauthenticated");
          return id;
        },
        authorize: ({ action, channel, identity }) => allowed(identity as SocketIdentity, action, channel),
      });
      this.gateways.set(tenant, g);
    }
    return g;
  }
}

/**
 * The service's only finer rule: a token minted with `channels` may use only those names (or `*`
 * patterns), and one minted with `publish: false` may only subscribe. API keys may do both on every
 * channel of their tenant.
 */
export function allowed(identity: SocketIdentity, action: "subscribe" | "publish", channel: string): boolean {
  if (action === "publish" && !identity.publish) return false;
  if (!identity.channels) return true;
  return identity.channels.some((c) => (c.includes("*") ? globToRegExp(c).test(channel) : c === channel));
}

const services = new WeakMap<ServerContext, ChannelService>();

/** The channel service of an app (created on first use; routes and the gateway share it). */
export function channelServiceOf(ctx: ServerContext, options?: ChannelServiceOptions): ChannelService {
  let s = services.get(ctx);
  if (!s) services.set(ctx, (s = new ChannelService(ctx, options)));
  return s;
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const q = url.searchParams.get("token");
  if (q) return q;
  const header = req.headers["sec-websocket-protocol"];
  if (typeof header !== "string") return undefined;
  for (const p of header.split(",")) {
    const v = p.trim();
    if (v.startsWith(TOKEN_PROTOCOL_PREFIX)) return v.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

function refuse(socket: Duplex, error: HttpError): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message, ...error.fields } });
  const retry = error.status === 503 ? "Retry-After: 1\r\n" : "";
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`,
  );
}

async function identify(
  service: ChannelService,
  auth: Authenticator,
  req: IncomingMessage,
  url: URL,
): Promise<SocketIdentity> {
  if (url.searchParams.has("apiKey")) {
    throw new HttpError(
      401,
      "HOLDFAST_UNAUTHENTICATED",
      "API keys are not accepted in the URL (URLs get logged): send `Authorization: Bearer hf_…`, or mint a short-lived token with POST /v1/ws-tokens and pass it as ?token= or in Sec-WebSocket-Protocol.",
    );
  }
  const token = tokenOf(req, url);
  if (token !== undefined) {
    const record = await service.tokens.take(token);
    if (!record) {
      throw new HttpError(
        401,
        "HOLDFAST_UNAUTHENTICATED",
        "This WebSocket token is unknown, expired or already used (a token opens one socket): mint a new one with POST /v1/ws-tokens.",
      );
    }
    return record;
  }
  const principal = await auth.authenticate(req.headers, "client");
  return { tenant: principal.tenant, role: principal.role, keyId: principal.keyId, publish: true };
}

/**
 * Serves the WebSocket gateway on the app's own HTTP server (same port as the API), at `/v1/ws`
 * and `/`, and closes every socket with 1012 when the app closes (Fastify `preClose`, before the
 * HTTP server waits for its connections). Sockets authenticate with a token (`?token=` or
 * `Sec-WebSocket-Protocol: holdfast.v1, holdfast.token.<token>`), or an API key header; a server
 * without keys accepts every socket as the open principal (tenant `default` or `x-holdfast-tenant`).
 */
export function attachChannelGateway(
  ctx: ServerContext,
  auth: Authenticator,
  options?: ChannelServiceOptions,
): ChannelService {
  const service = channelServiceOf(ctx, options);
  const server = ctx.app.server;
  const paths = new Set(service.options.paths);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://holdfast");
    if (!paths.has(url.pathname)) {
      if (server.listenerCount("upgrade") <= 1) {
        upgrades.labels("not_found").inc();
        refuse(socket, new HttpError(404, "HOLDFAST_ROUTE_NOT_FOUND", "WebSocket endpoint: /v1/ws"));
      }
      return;
    }
    socket.on("error", () => undefined); // a client that goes away mid-handshake
    void (async () => {
      try {
        if (service.closing)
          throw new HttpError(503, "HOLDFAST_SHUTTING_DOWN", "The server is shutting down.");
        const identity = await identify(service, auth, req, url);
        upgrades.labels("accepted").inc();
        await service.accept(req, socket, head, identity);
      } catch (e) {
        const error =
          e instanceof HttpError
            ? e
            : isStoreFailure(e)
              ? new HttpError(503, "HOLDFAST_STORE_UNAVAILABLE", "The store is unreachable: retry later.")
              : new HttpError(500, "HOLDFAST_INTERNAL", "Internal error.");
        if (error.status === 500) ctx.logger.error({ err: e }, "WebSocket upgrade failed");
        upgrades.labels(String(error.status)).inc();
        refuse(socket, error);
      }
    })();
  });
  ctx.app.addHook("preClose", async () => {
    await service.close();
  });
  return service;
}
