import { z } from "zod";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { createEventLog, MAX_QUERY_LIMIT, MAX_SOURCES_PAGE, type EventLog } from "../../events/index.js";
import { parseTimeSpec, resolveTime } from "../../events/time-spec.js";
import { MAX_JSON_CHARS, MAX_TOKEN_LENGTH } from "../../events/validate.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { routeGroup } from "../route.js";
import { errorResponse, pageOrBadRequest, pageQuery } from "./common.js";
import { eventAppendedReply, eventListReply, eventSourcesReply } from "../replies/events.js";

/** A source name or event type, as the event log accepts them. */
const eventToken = z
  .string()
  .min(1, "must not be empty")
  .max(MAX_TOKEN_LENGTH, `must be at most ${MAX_TOKEN_LENGTH} characters`)
  .regex(/^[A-Za-z_][A-Za-z0-9_.:-]*$/, 'must be letters, digits and "_.:-", starting with a letter or "_"');

const timeParam = z
  .string()
  .max(64)
  .refine(
    (s) => parseTimeSpec(s) !== undefined,
    'must be ms since the epoch, an ISO 8601 time, or a duration ago such as "5m", "30s", "2h", "1d"',
  );

/** The per-tenant event log the service uses (the machines' routes append their transitions to it too). */
export function tenantEventLog(ctx: ServerContext, tenant: string): EventLog {
  return ctx.perTenant("events", tenant, (store) =>
    createEventLog(store, { maxSources: ctx.limits.maxEventSourcesPerTenant }),
  );
}

/** `/v1/events`: append one event, query by source, type and time window, list sources. */
export function registerEventRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "events");

  route({
    method: "POST",
    url: "/v1/events",
    operationId: "appendEvent",
    scope: "client",
    summary: "Append one event to the tenant's event log",
    description:
      "Not idempotent: a retry after a lost answer may append the event twice; put your own event id in `context` if duplicates matter.",
    body: z.object({
      source: eventToken.describe('e.g. "assignment.state_machine"'),
      type: eventToken.describe('e.g. "transition"'),
      context: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(`A JSON object of at most ${MAX_JSON_CHARS} characters`),
    }),
    responses: {
      201: { description: "Appended (`at`: server clock, ms)", schema: eventAppendedReply },
      400: errorResponse("Invalid source, type or context; nothing was appended"),
      503: errorResponse("Store unreachable: nothing was appended"),
    },
    handler: async ({ body, principal, reply }) => {
      let id: string;
      try {
        id = await tenantEventLog(ctx, principal.tenant).append(body.source, body.type, body.context ?? {});
      } catch (e) {
        if (e instanceof InvalidArgumentError) {
          throw new HttpError(400, e.code, e.message, { field: `body.${e.field}`, reason: e.reason });
        }
        throw e;
      }
      void reply.code(201);
      return { id, source: body.source, type: body.type, at: Number(id.slice(0, id.indexOf("-"))) };
    },
  });

  route({
    method: "GET",
    url: "/v1/events",
    operationId: "queryEvents",
    scope: "client",
    summary:
      "Query events by source, type and time window (the HTTP form of SELECT … FROM observability_events)",
    description:
      '`since` (inclusive) and `until` (exclusive): ms since the epoch, an ISO 8601 time, or a duration ago ("5m") on the Redis server\'s clock.',
    query: z.object({
      source: eventToken.optional(),
      type: eventToken.optional(),
      since: timeParam.optional(),
      until: timeParam.optional(),
      limit: z.coerce
        .number()
        .int("must be an integer")
        .min(1, "must be at least 1")
        .max(MAX_QUERY_LIMIT, `must be at most ${MAX_QUERY_LIMIT}`)
        .optional(),
      order: z.enum(["asc", "desc"]).optional(),
    }),
    responses: {
      200: { description: "The events, oldest first unless `order=desc`", schema: eventListReply },
      400: errorResponse("Invalid query parameter"),
      503: errorResponse("Store unreachable"),
    },
    handler: async ({ query, principal }) => {
      const log = tenantEventLog(ctx, principal.tenant);
      let now: Promise<number> | undefined;
      const serverNow = () => (now ??= log.serverTime());
      const since = await resolveTime(
        query.since === undefined ? undefined : parseTimeSpec(query.since),
        serverNow,
      );
      const until = await resolveTime(
        query.until === undefined ? undefined : parseTimeSpec(query.until),
        serverNow,
      );
      const events = await log.query({
        source: query.source,
        type: query.type,
        since,
        until,
        limit: query.limit,
        order: query.order,
      });
      return { events, count: events.length };
    },
  });

  route({
    method: "GET",
    url: "/v1/events/sources",
    operationId: "listEventSources",
    scope: "client",
    summary: "The sources the tenant has written events to (oldest first), one page",
    description:
      "Pages of `limit` sources (default 1000): pass `nextCursor` back as `cursor` for the next page; it is null after the last.",
    query: z.object(pageQuery(MAX_SOURCES_PAGE)),
    responses: {
      200: { description: "One page of sources", schema: eventSourcesReply },
      400: errorResponse("Invalid `limit` or `cursor`"),
      503: errorResponse("Store unreachable"),
    },
    handler: async ({ query, principal }) => {
      const page = await pageOrBadRequest(() =>
        tenantEventLog(ctx, principal.tenant).sourcesPage({
          limit: query.limit ?? MAX_SOURCES_PAGE,
          cursor: query.cursor,
        }),
      );
      return { sources: page.items, nextCursor: page.nextCursor };
    },
  });
}
