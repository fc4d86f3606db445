/** Reply schemas of the dashboard's routes: overview, listings, keys. */
import { z } from "zod";
import { epochMs, int } from "./common.js";
import { storeHealthReply } from "./operations.js";
import { flatMetadata, itemReply } from "./stock.js";
import { limitSpec } from "./limits.js";

const nextCursor = z.string().nullable().describe("Pass it as `cursor` for the next page; null when done");
const series = z.record(z.string(), z.array(int())).describe("Counts per 2 s interval, oldest first");

const finding = z.object({
  check: z.enum(["connection", "version", "eviction", "persistence", "latency", "memory"]),
  level: z.enum(["ok", "warn", "error"]),
  message: z.string(),
  fix: z.string().optional(),
  node: z.string().optional(),
  usedBytes: int().optional(),
  maxBytes: int().optional(),
});

export const overviewReply = z.object({
  tenant: z.string(),
  role: z.enum(["client", "admin"]),
  open: z.boolean().describe("true when the service runs without keys (loopback only)"),
  version: z.string(),
  now: epochMs("This server's clock"),
  startedAt: epochMs("When this process' dashboard counters started"),
  uptimeMs: int(),
  store: storeHealthReply,
  rates: z.record(z.string(), z.number()).describe("Per second over the last minute, per counter"),
  sampleMs: int(),
  series,
  server: z
    .object({
      checkedAt: epochMs("When the server check ran"),
      findings: z.array(finding),
      process: z.object({
        rssBytes: int(),
        heapUsedBytes: int(),
        storeBudgetBytes: int().optional(),
      }),
    })
    .optional()
    .describe(
      "Admin keys of every tenant only (it spans the store, as /metrics does): the findings of `holdfast doctor` and this process' memory",
    ),
});

export const liveStreamReply = z
  .string()
  .describe(
    "`event: hello` `{ tenant, role, keyId, sampleMs, startedAt, now, series }`, then `event: sample` `{ at, values }` every 2 s and `event: change` `{ kinds, names }` when the tenant's state changes through this service",
  );

const holder = z.object({ expiresAt: int(), remainingTtlMs: int(), metadata: flatMetadata.optional() });
export const semaphoreListReply = z.object({
  semaphores: z.array(
    z.object({
      name: z.string(),
      group: z.enum(["semaphore", "concurrency"]),
      count: int(),
      limit: int().nullable().describe("The limit last sent through this service; null when none was seen"),
      holders: z.array(holder).describe("At most 10, soonest expiry first"),
    }),
  ),
  nextCursor,
});

const breakerEvent = z.object({
  at: epochMs("When this service made or saw it"),
  state: z.string(),
  via: z.enum(["admin", "observed"]),
  missed: int().optional().describe("Transitions before this one that this service did not see"),
});
export const breakerListReply = z.object({
  breakers: z.array(
    z.object({
      name: z.string(),
      state: z.enum(["closed", "open", "half-open", "isolated"]),
      remainingOpenMs: int(),
      attempt: int(),
      generation: int(),
      stored: z.boolean(),
      history: z.array(breakerEvent),
    }),
  ),
  nextCursor,
});

export const roomListReply = z.object({
  rooms: z.array(z.object({ room: z.string(), queued: int(), admitted: int(), admittedPerMin: z.number() })),
  nextCursor,
});

export const limiterListReply = z.object({
  limiters: z.array(
    z.object({
      name: z.string(),
      limits: z.array(limitSpec).describe("The limits last sent through this service"),
      allowedPerSec: z.number(),
      deniedPerSec: z.number(),
      allowed: int(),
      denied: int(),
      lastSeenAt: int(),
    }),
  ),
});

export const itemListReply = z.object({
  items: z.array(itemReply.extend({ invariant: z.boolean().describe("available + held + sold = total") })),
  nextCursor,
});

export const itemHoldsReply = z.object({
  item: z.string(),
  stock: itemReply,
  holds: z.array(
    z.object({ holdId: z.string(), holder: z.string(), quantity: int(), expiresAt: int(), expiresIn: int() }),
  ),
  more: z.boolean(),
});

export const machineListReply = z.object({
  machines: z.array(
    z.object({
      machine: z.string(),
      states: z.array(z.string()),
      initial: z.string(),
      events: z.array(z.string()),
      version: int(),
    }),
  ),
  nextCursor,
});

export const entityListReply = z.object({
  machine: z.string(),
  entities: z.array(z.object({ id: z.string(), state: z.string(), version: int(), updatedAt: int() })),
  counts: z.record(z.string(), int()).describe("Entities of this page per state"),
  nextCursor,
});

export const channelListReply = z.object({
  channels: z.array(
    z.object({
      channel: z.string(),
      subscribers: int().describe("WebSocket connections of this process subscribed to it"),
      perMinute: int().describe("History entries of the last minute (at most 100 read)"),
      lastId: z.string(),
      lastAt: int(),
    }),
  ),
  live: z.array(z.object({ channel: z.string(), subscribers: int(), perMinute: int() })),
  nextCursor,
});

export const channelRecentReply = z.object({
  channel: z.string(),
  messages: z.array(z.object({ id: z.string(), at: int(), data: z.unknown() })),
});

const keyInfo = {
  id: z.string(),
  name: z.string(),
  role: z.enum(["client", "admin"]),
  tenants: z.array(z.string()),
  createdAt: int(),
  revokedAt: int().optional(),
  current: z.boolean().describe("true for the key making this request"),
};
export const keyListReply = z.object({ tenant: z.string(), keys: z.array(z.object(keyInfo)) });
export const keyCreatedReply = z.object({
  key: z.string().describe("The full key: shown this once, only its SHA-256 is stored"),
  ...keyInfo,
});
export const keyRevokedReply = z.object({ id: z.string(), revoked: z.literal(true), revokedAt: int() });
