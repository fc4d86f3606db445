import { z } from "zod";
import { entityListReply, itemHoldsReply, itemListReply, machineListReply } from "../replies/dashboard.js";
import { isItemNotFoundError } from "../../inventory/errors.js";
import { createInventory, listHolds, type Inventory } from "../../inventory/index.js";
import { ITEM_KIND } from "../../inventory/decode.js";
import { decodeSnapshot } from "../../machine/decode.js";
import { getScript } from "../../machine/scripts/scripts.js";
import { namespacedStore } from "../../store/namespaced-store.js";
import type { Store } from "../../store/types.js";
import type { ServerContext } from "../context.js";
import { defineRoute } from "../route.js";
import { errorResponse, nameParam, perTenant, scanPage } from "../routes/common.js";
import { machineName } from "../routes/machines.js";
import { listing, listQuery } from "./lists.js";

/**
 * Reads entity `id` of `machine` as `Machine.get` does (the same script), without building a
 * Machine: listing any machine's entities must not mint per-machine metric series.
 */
async function readEntity(store: Store, machine: string, id: string) {
  const entity = store.keys.key("machine", `${machine}:${id}`);
  const [fields] = await store.run(getScript, [entity, `${entity}:idem:`], []);
  return decodeSnapshot<string, Record<string, unknown>>(id, fields);
}

type Snapshot = NonNullable<Awaited<ReturnType<typeof readEntity>>>;

/**
 * One page of the stored entities of `machine` whose id starts with `query.prefix`, each turned
 * into a row by `row` (entities gone between the scan and the read are skipped).
 */
function scanEntities<T>(
  store: Store,
  machine: string,
  query: z.infer<typeof listQuery>,
  row: (id: string, snap: Snapshot) => T,
) {
  const head = `${machine}:`;
  return scanPage(store, ["machine"], { ...query, prefix: head + (query.prefix ?? "") }, async (_k, key) => {
    const id = key.slice(head.length);
    const snap = await readEntity(store, machine, id);
    return snap ? row(id, snap) : null;
  });
}

/**
 * Listings of stock and state machines (admin): items with their exact stock and the
 * invariant checked, an item's live holds, stored machine definitions, and a machine's entities
 * with counts per state (per page: the page's client adds pages up).
 */
export function registerDataListRoutes(ctx: ServerContext): void {
  const { app, registry } = ctx;
  const inventory = perTenant<Inventory>(ctx, "dashboard:inventory", (store) => createInventory(store));

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/inventory/items",
    operationId: "listItems",
    tag: "inventory",
    scope: "admin",
    summary: "List the tenant's items with their exact stock, a page at a time (admin)",
    description:
      "Each item is read with the same script as `GET /v1/inventory/items/:item` (expired holds given back first), so `available + held + sold = total` holds for every row; `invariant` says it was checked.",
    query: listQuery,
    responses: { 200: { description: "A page of items with their stock", schema: itemListReply } },
    handler: listing(ctx, "items", [ITEM_KIND], (tenant) => {
      const inv = inventory(tenant);
      return async (_k, item) => {
        try {
          const s = await inv.get(item);
          return { ...s, invariant: s.available + s.held + s.sold === s.total && s.available >= 0 };
        } catch (e) {
          if (isItemNotFoundError(e)) return null;
          throw e;
        }
      };
    }),
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/inventory/items/:item/holds",
    operationId: "listItemHolds",
    tag: "inventory",
    scope: "admin",
    summary: "An item's live holds, soonest expiry first, with its stock (admin)",
    params: z.object({ item: nameParam }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional().describe("Default 100") }),
    responses: {
      200: { description: "The item's live holds and stock", schema: itemHoldsReply },
      404: errorResponse("Unknown item"),
    },
    handler: async ({ params, query, principal }) => {
      // get first: it gives expired units back, so the live lines listed next add up to `held`.
      const stock = await inventory(principal.tenant).get(params.item);
      const h = await listHolds(ctx.tenantStore(principal.tenant), params.item, {
        limit: query.limit ?? 100,
      });
      const now = Date.now();
      return {
        item: params.item,
        stock,
        holds: h.lines.map((l) => ({ ...l, expiresIn: Math.max(0, l.expiresAt - now) })),
        more: h.more,
      };
    },
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/machines",
    operationId: "listMachines",
    tag: "machines",
    scope: "admin",
    summary: "List the tenant's stored machine definitions, a page at a time (admin)",
    description:
      "Machines defined only in code (never stored with `PUT /v1/machines/:machine`) are not listed; their entities are, under their machine name.",
    query: listQuery,
    responses: { 200: { description: "A page of stored definitions", schema: machineListReply } },
    handler: async ({ query, principal }) => {
      // The definitions are the entities of the registry machine "definitions" (see machine/stored-definitions.ts).
      const defs = namespacedStore(ctx.tenantStore(principal.tenant), "machine-defs:");
      const page = await scanEntities(defs, "definitions", query, (name, snap) => {
        const d = snap.data as { states?: string[]; initial?: string; events?: string[] };
        return {
          machine: name,
          states: d.states ?? [],
          initial: d.initial ?? "",
          events: d.events ?? [],
          version: snap.version,
        };
      });
      return { machines: page.items, nextCursor: page.nextCursor };
    },
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/machines/:machine/entities",
    operationId: "listMachineEntities",
    tag: "machines",
    scope: "admin",
    summary: "List a machine's entities with counts per state, a page at a time (admin)",
    description:
      "`counts` covers this page only: counting every entity means reading every entity, so the dashboard adds pages up as it walks them, never in one call.",
    params: z.object({ machine: machineName }),
    query: listQuery,
    responses: {
      200: { description: "A page of entities, with this page's counts per state", schema: entityListReply },
    },
    handler: async ({ params, query, principal }) => {
      const page = await scanEntities(
        ctx.tenantStore(principal.tenant),
        params.machine,
        query,
        (id, snap) => ({ id, state: snap.state, version: snap.version, updatedAt: snap.updatedAt }),
      );
      const counts: Record<string, number> = {};
      for (const e of page.items) counts[e.state] = (counts[e.state] ?? 0) + 1;
      return { machine: params.machine, entities: page.items, counts, nextCursor: page.nextCursor };
    },
  });
}
