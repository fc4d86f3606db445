import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { createInventory, MAX_HOLD_QUANTITY, MAX_ITEM_STOCK, type Hold } from "../../inventory/index.js";
import type { ServerContext } from "../context.js";
import { routeGroup } from "../route.js";
import { HttpError } from "../http-errors.js";
import { durationMs, errorResponse, nameParam } from "./common.js";
import { CONTROL_CHARACTERS, MAX_NAME_LENGTH } from "../../util/validate.js";
import { commitReply, holdReply, itemDefinedReply, itemReply, releaseReply } from "../replies/stock.js";

const itemParams = z.object({ item: nameParam });
/** `<uuid>:<first item>`, as hold() returns it; anything else is a 400 before the store is asked. */
const holdParams = z.object({
  holdId: z
    .string()
    .max(37 + MAX_NAME_LENGTH, "is too long")
    .regex(
      new RegExp(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[^${CONTROL_CHARACTERS}]+$`),
      "must be a holdId returned by a hold",
    ),
});

const quantity = z
  .number()
  .int("must be an integer")
  .min(1, "must be at least 1")
  .max(MAX_HOLD_QUANTITY, `must be at most ${MAX_HOLD_QUANTITY}`);
const stockFigure = (min: number) =>
  z
    .number()
    .int("must be an integer")
    .min(min, `must be at least ${min}`)
    .max(MAX_ITEM_STOCK, `must be at most ${MAX_ITEM_STOCK}`);
const idempotencyKey = nameParam.describe(
  "A retry with the same key returns the same hold (also accepted as the Idempotency-Key header)",
);
const holdCommon = {
  holder: nameParam.describe("Who holds: a user, session or order id"),
  ttlMs: durationMs.optional().describe("Hold lifetime in ms (default 300000)"),
  idempotencyKey: idempotencyKey.optional(),
};

/** The idempotency key from the body or the `Idempotency-Key` header; both must agree. */
function idempotencyKeyOf(request: FastifyRequest, fromBody: string | undefined): string | undefined {
  const header = request.headers["idempotency-key"];
  if (header === undefined) return fromBody;
  const parsed = idempotencyKey.safeParse(header);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? "is invalid";
    throw new HttpError(400, "HOLDFAST_INVALID_ARGUMENT", `Invalid header Idempotency-Key: ${reason}.`, {
      field: "headers.idempotency-key",
      reason,
    });
  }
  if (fromBody !== undefined && fromBody !== parsed.data) {
    const reason = "differs from the Idempotency-Key header";
    throw new HttpError(400, "HOLDFAST_INVALID_ARGUMENT", `Invalid body.idempotencyKey: ${reason}.`, {
      field: "body.idempotencyKey",
      reason,
    });
  }
  return parsed.data;
}

/** The options of a hold or cart (`holdCommon`), with the idempotency key of body or header. */
function holdOptions(
  request: FastifyRequest,
  body: { holder: string; ttlMs?: number; idempotencyKey?: string },
) {
  return {
    holder: body.holder,
    ttlMs: body.ttlMs,
    idempotencyKey: idempotencyKeyOf(request, body.idempotencyKey),
  };
}

/** The hold as JSON; `expiresIn` uses this server's clock, for display only. */
function holdJson(h: Hold, now = Date.now()) {
  return { ...h, expiresIn: Math.max(0, h.expiresAt - now) };
}

/** The reply of a hold or cart: 201 with the hold (an idempotent retry's too). */
function created(reply: FastifyReply, hold: Hold) {
  void reply.code(201);
  return holdJson(hold);
}

/** The 404 of every route naming an item that was never defined. */
const unknownItem = errorResponse("Unknown item");

/** The replies of restock and adjust, before their own 409. */
const stockChanged = {
  200: { description: "The new stock", schema: itemReply },
  404: unknownItem,
};

/**
 * `/v1/inventory/…`: items (define, read, restock, adjust) and holds (hold, cart, commit, release,
 * extend). Stock never oversells: every call is one atomic script that first returns expired holds.
 */
export function registerInventoryRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "inventory", (store) => createInventory(store));

  route({
    method: "PUT",
    url: "/v1/inventory/items/:item",
    operationId: "defineItem",
    scope: "admin",
    summary: "Define an item with `stock` units, or update its maxStock/perHolderLimit (admin)",
    description:
      "Upsert: a new item starts with `stock`; for an existing item `stock` is ignored (use restock/adjust) " +
      "and only `maxStock` and `perHolderLimit` change. 201 when created, 200 when it existed.",
    params: itemParams,
    body: z
      .object({
        stock: stockFigure(0).describe("Units a new item starts with"),
        maxStock: stockFigure(1).optional().describe("Ceiling of the total stock (default none)"),
        perHolderLimit: quantity.optional().describe("Most units one holder may hold + buy (default none)"),
      })
      .refine((b) => b.maxStock === undefined || b.stock <= b.maxStock, {
        message: "must not exceed maxStock",
        path: ["stock"],
      }),
    responses: {
      200: { description: "Existed: its stock, with limits updated", schema: itemDefinedReply },
      201: { description: "Created", schema: itemDefinedReply },
      400: errorResponse("Invalid item or body (e.g. stock above maxStock)"),
      409: errorResponse("The existing total already exceeds the new maxStock"),
    },
    handler: async ({ params, body, reply }, inventory) => {
      const state = await inventory.defineItem(params.item, {
        stock: body.stock,
        maxStock: body.maxStock,
        perHolderLimit: body.perHolderLimit,
      });
      void reply.code(state.created ? 201 : 200);
      return state;
    },
  });

  route({
    method: "GET",
    url: "/v1/inventory/items/:item",
    operationId: "getItem",
    scope: "client",
    summary: "The item's exact stock: available, held, sold, total (available + held + sold = total)",
    params: itemParams,
    responses: {
      200: { description: "Stock", schema: itemReply },
      404: unknownItem,
    },
    handler: async ({ params }, inventory) => inventory.get(params.item),
  });

  route({
    method: "POST",
    url: "/v1/inventory/items/:item/restock",
    operationId: "restockItem",
    scope: "admin",
    summary: "Add units to the item's total stock (admin)",
    params: itemParams,
    body: z.object({ units: stockFigure(1).describe("Units to add (≥ 1)") }),
    responses: {
      ...stockChanged,
      409: errorResponse("Would pass maxStock (`HOLDFAST_STOCK_CAPACITY`); nothing changed"),
    },
    handler: async ({ params, body }, inventory) => inventory.restock(params.item, body.units),
  });

  route({
    method: "POST",
    url: "/v1/inventory/items/:item/adjust",
    operationId: "adjustItem",
    scope: "admin",
    summary: "Change the total stock by `delta` units, up or down (admin)",
    description: "A decrease never takes back held or sold units: larger than `available` is refused whole.",
    params: itemParams,
    body: z.object({
      delta: z
        .number()
        .int("must be an integer")
        .min(-MAX_ITEM_STOCK, `must be at least ${-MAX_ITEM_STOCK}`)
        .max(MAX_ITEM_STOCK, `must be at most ${MAX_ITEM_STOCK}`)
        .refine((d) => d !== 0, "must not be 0")
        .describe("Units to add (positive) or remove (negative)"),
    }),
    responses: {
      ...stockChanged,
      409: errorResponse("Decrease above `available` (INSUFFICIENT_STOCK) or increase past maxStock"),
    },
    handler: async ({ params, body }, inventory) => inventory.adjust(params.item, body.delta),
  });

  route({
    method: "POST",
    url: "/v1/inventory/items/:item/holds",
    operationId: "holdItem",
    scope: "client",
    summary: "Reserve `quantity` units for a holder until `ttlMs`, atomically, or refuse with `available`",
    params: itemParams,
    body: z.object({ quantity: quantity.optional().describe("Units (default 1)"), ...holdCommon }),
    responses: {
      201: { description: "Held (an idempotent retry returns the same hold)", schema: holdReply },
      404: unknownItem,
      409: errorResponse("Not enough stock (`available`) or the holder's limit (`limit`, `current`)"),
      503: errorResponse("Store unreachable: nothing was held (fail closed)"),
    },
    handler: async ({ params, body, request, reply }, inventory) =>
      created(
        reply,
        await inventory.hold(params.item, { quantity: body.quantity, ...holdOptions(request, body) }),
      ),
  });

  route({
    method: "POST",
    url: "/v1/inventory/holds",
    operationId: "holdCart",
    scope: "client",
    summary: "Reserve several items at once, all or none (a cart)",
    description:
      "The items must share a Redis Cluster hash tag, e.g. `{sale-42}:sku-1` and `{sale-42}:sku-2` (400 otherwise).",
    body: z.object({
      lines: z
        .array(z.object({ item: nameParam, quantity }))
        .min(1, "must not be empty")
        .max(100, "must have at most 100 lines"),
      ...holdCommon,
    }),
    responses: {
      201: { description: "Held: one `holdId` for every line", schema: holdReply },
      400: errorResponse("Invalid body, duplicate items, or items of different hash slots"),
      404: errorResponse("One of the items is unknown"),
      409: errorResponse("One line lacks stock (`item`, `available`); nothing was held"),
    },
    handler: async ({ body, request, reply }, inventory) =>
      created(reply, await inventory.holdCart(body.lines, holdOptions(request, body))),
  });

  route({
    method: "POST",
    url: "/v1/inventory/holds/:holdId/commit",
    operationId: "commitHold",
    scope: "client",
    summary: "Turn a live hold into a sale; a retry answers `committed: false` and changes nothing",
    params: holdParams,
    responses: {
      200: { description: "Sold (or sold already: `committed: false`)", schema: commitReply },
      404: errorResponse("Unknown hold (or finished longer than 15 minutes ago)"),
      409: errorResponse(
        "Expired (`HOLDFAST_HOLD_EXPIRED`, `expiredAt`) or released (`HOLDFAST_HOLD_FINISHED`)",
      ),
    },
    handler: async ({ params }, inventory) => {
      const r = await inventory.commit(params.holdId);
      return { committed: r.committed, hold: r.hold };
    },
  });

  route({
    method: "POST",
    url: "/v1/inventory/holds/:holdId/release",
    operationId: "releaseHold",
    scope: "client",
    summary: "Give a hold's units back; `outcome` says what happened (only `released` changed anything)",
    params: holdParams,
    responses: {
      200: { description: "What happened: only `released` changed anything", schema: releaseReply },
      404: errorResponse("Unknown hold"),
    },
    handler: async ({ params }, inventory) => inventory.release(params.holdId),
  });

  route({
    method: "POST",
    url: "/v1/inventory/holds/:holdId/extend",
    operationId: "extendHold",
    scope: "client",
    summary: "Give a live hold a new lifetime of `ttlMs` from now",
    params: holdParams,
    body: z.object({ ttlMs: durationMs.describe("New lifetime from now, in ms") }),
    responses: {
      200: { description: "The hold with its new `expiresAt`", schema: holdReply },
      404: errorResponse("Unknown hold"),
      409: errorResponse("Expired, committed or released: nothing changed"),
    },
    handler: async ({ params, body }, inventory) =>
      holdJson(await inventory.extend(params.holdId, body.ttlMs)),
  });
}
