/** Reply schemas of `/v1/inventory/…` and `/v1/semaphores/…`. */
import { z } from "zod";
import { epochMs, int } from "./common.js";

export const itemReply = z
  .object({
    item: z.string(),
    total: int().describe("Initial stock plus every restock and adjustment"),
    available: int(),
    held: int(),
    sold: int(),
    maxStock: int().nullable(),
    perHolderLimit: int().nullable(),
  })
  .meta({ id: "InventoryItem", description: "An item's stock: always available + held + sold = total." });

export const itemDefinedReply = itemReply.extend({
  created: z.boolean().describe("true when this call created the item"),
});

const holdShape = {
  holdId: z.string().describe("`<uuid>:<first item>`: percent-encode it in the paths that take it"),
  item: z.string().describe("The (first) item held"),
  holder: z.string(),
  quantity: int(),
  expiresAt: epochMs("When the units go back to stock unless committed (store clock)"),
  lines: z.array(z.object({ item: z.string(), quantity: int() })),
};

/** A hold as the holds, cart and extend routes answer it. */
export const holdReply = z
  .object({ ...holdShape, expiresIn: int().describe("ms left (this server's clock, for display)") })
  .meta({ id: "InventoryHold" });

export const commitReply = z.object({
  committed: z.boolean().describe("false for a retry of a commit that already happened"),
  hold: z.object(holdShape),
});

export const releaseReply = z.object({
  holdId: z.string(),
  outcome: z.enum(["released", "already-released", "expired", "committed"]),
});

/** A permit's metadata: flat string, number, boolean or null values (the library's PermitMetadata). */
export const flatMetadata = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const permitReply = z
  .object({
    acquired: z.literal(true),
    name: z.string(),
    token: z.string().describe("The permit's owner token: refresh and release need it"),
    limit: int(),
    holders: int().describe("Permits held right after this one was taken"),
    ttlMs: int(),
    expiresAt: epochMs("When the permit expires unless refreshed (store clock)"),
    expiresIn: int(),
    metadata: flatMetadata.optional(),
  })
  .meta({ id: "SemaphorePermit" });

export const permitRefreshedReply = z.object({
  name: z.string(),
  token: z.string(),
  ttlMs: int(),
  expiresAt: int(),
  expiresIn: int(),
});

export const permitReleasedReply = z.object({
  name: z.string(),
  released: z.literal(true),
  holders: int().describe("Permits still held"),
});

export const semaphoreCountReply = z.object({ name: z.string(), count: int() });

export const semaphoreHoldersReply = z.object({
  name: z.string(),
  count: int(),
  holders: z.array(
    z.object({
      token: z.string().optional().describe("Only with `includeTokens=true` (admin)"),
      expiresAt: int(),
      remainingTtlMs: int(),
      metadata: flatMetadata.optional(),
    }),
  ),
  nextCursor: z.string().nullable().describe("Pass back as `cursor` for the next page; null after the last"),
});
