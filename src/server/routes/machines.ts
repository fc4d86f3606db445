import { z } from "zod";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { parseTimeSpec, resolveTime } from "../../events/time-spec.js";
import { MAX_JSON_CHARS } from "../../events/validate.js";
import { EntityNotFoundError } from "../../machine/index.js";
import {
  MachineDefinitions,
  type AnyMachine,
  type StoredDefinition,
} from "../../machine/stored-definitions.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { routeGroup } from "../route.js";
import { errorResponse, nameParam } from "./common.js";
import { tenantEventLog } from "./events.js";
import {
  definitionPutReply,
  entityCreatedReply,
  entityReply,
  historyReply,
  storedDefinitionReply,
  transitionReply,
} from "../replies/machines.js";

export const machineName = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be letters, digits and "_.-", starting with a letter or "_"');
const machineParams = z.object({ machine: machineName });
const entityParams = z.object({ machine: machineName, id: nameParam });
const jsonObject = z.record(z.string(), z.unknown());
const actor = z.string().min(1).max(256);

const definitionBody = z
  .object({
    name: z.string().optional().describe("If given, must equal the machine name in the URL"),
    states: z.array(z.string()).max(1000),
    initial: z.string(),
    events: z.array(z.string()).max(1000),
    transitions: z
      .array(
        z
          .object({
            event: z.string(),
            from: z.union([z.string(), z.array(z.string()).max(1000)]),
            to: z.string(),
            guard: z
              .never(
                "guards are code and cannot be sent over HTTP: check the condition in your service before sending the event, or define the machine in code with createMachine()",
              )
              .optional(),
          })
          .strict(),
      )
      .max(10_000),
  })
  .strict();

/** Turns a library InvalidArgumentError (`field: "data"`) into a 400 naming where it came from (`body.data`). */
async function located<T>(where: "body" | "query", run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof InvalidArgumentError) {
      throw new HttpError(400, e.code, e.message, { field: `${where}.${e.field}`, reason: e.reason });
    }
    throw e;
  }
}

function machineNotFound(machine: string): HttpError {
  return new HttpError(
    404,
    "HOLDFAST_MACHINE_NOT_FOUND",
    `No machine "${machine}" is defined for this tenant: PUT /v1/machines/${machine} with its definition first.`,
    { machine },
  );
}

/** The machine `name` of the tenant whose definitions are `defs`, or a 404 naming it. */
async function machineIn(defs: MachineDefinitions, name: string): Promise<AnyMachine> {
  const m = await defs.machine(name);
  if (!m) throw machineNotFound(name);
  return m;
}

/** `/v1/machines/…`: store a definition, then create, read, move and audit its entities. */
export function registerMachineRoutes(ctx: ServerContext): void {
  const route = routeGroup(
    ctx,
    "machines",
    (store, tenant) => new MachineDefinitions(store, tenantEventLog(ctx, tenant)),
  );

  route({
    method: "PUT",
    url: "/v1/machines/:machine",
    operationId: "putMachineDefinition",
    scope: "client",
    summary: "Store (or replace) a machine definition for the tenant",
    description:
      "Validated like defineMachine() (400 HOLDFAST_MACHINE_DEFINITION naming the problem, state and event). Stored in the store, so every server instance uses it (within 1 s of a change). Guards are code, so they cannot be sent over HTTP.",
    params: machineParams,
    body: definitionBody,
    responses: {
      200: { description: "Stored (or already stored: `changed: false`)", schema: definitionPutReply },
      400: errorResponse("Malformed body, or an inconsistent definition (`problem`, `state`, `event`)"),
      503: errorResponse("Store unreachable: nothing was stored"),
    },
    handler: async ({ params, body }, defs) => {
      const { name, ...definition } = body;
      if (name !== undefined && name !== params.machine) {
        throw new HttpError(
          400,
          "HOLDFAST_INVALID_ARGUMENT",
          `Invalid body.name: the body names machine "${name}" but the URL names "${params.machine}".`,
          { field: "body.name", reason: "must equal the machine name in the URL" },
        );
      }
      if (JSON.stringify(definition).length > MAX_JSON_CHARS) {
        throw new HttpError(400, "HOLDFAST_INVALID_ARGUMENT", "Invalid body: the definition is too large.", {
          field: "body",
          reason: `must encode to at most ${MAX_JSON_CHARS} characters of JSON`,
        });
      }
      return defs.put(params.machine, definition as StoredDefinition);
    },
  });

  route({
    method: "GET",
    url: "/v1/machines/:machine",
    operationId: "getMachineDefinition",
    scope: "client",
    summary: "The stored definition of a machine",
    params: machineParams,
    responses: {
      200: { description: "The definition", schema: storedDefinitionReply },
      404: errorResponse("No such machine for this tenant"),
    },
    handler: async ({ params }, defs) => {
      const d = await defs.get(params.machine);
      if (!d) throw machineNotFound(params.machine);
      return d;
    },
  });

  route({
    method: "POST",
    url: "/v1/machines/:machine/entities/:id",
    operationId: "createMachineEntity",
    scope: "client",
    summary: "Create an entity in the initial state, at version 1",
    params: entityParams,
    body: z
      .object({ data: jsonObject.optional(), actor: actor.optional(), context: jsonObject.optional() })
      .strict()
      .default({}),
    responses: {
      201: { description: "Created, at version 1", schema: entityCreatedReply },
      400: errorResponse("Invalid id or body"),
      404: errorResponse("No such machine"),
      409: errorResponse("The entity exists: `currentState`, `currentVersion`"),
      503: errorResponse("Store unreachable: nothing was created"),
    },
    handler: async ({ params, body, reply }, defs) => {
      const m = await machineIn(defs, params.machine);
      const r = await located("body", () => m.create(params.id, body));
      void reply.code(201);
      return { machine: params.machine, ...r };
    },
  });

  route({
    method: "GET",
    url: "/v1/machines/:machine/entities/:id",
    operationId: "getMachineEntity",
    scope: "client",
    summary: "An entity's state, version and data, and the events allowed from its state",
    params: entityParams,
    responses: {
      200: { description: "The entity", schema: entityReply },
      404: errorResponse("No such machine or entity"),
    },
    handler: async ({ params }, defs) => {
      const m = await machineIn(defs, params.machine);
      const snap = await m.get(params.id);
      if (!snap) throw new EntityNotFoundError(params.machine, params.id);
      return { machine: params.machine, ...snap, allowedEvents: m.allowedEvents(snap.state) };
    },
  });

  route({
    method: "POST",
    url: "/v1/machines/:machine/entities/:id/events",
    operationId: "sendMachineEvent",
    scope: "client",
    summary: "Send an event: one atomic, versioned transition (optimistic concurrency, idempotency keys)",
    description:
      "With `expectedVersion`, refused (409 HOLDFAST_VERSION_CONFLICT with `currentState`, `currentVersion`) if anyone moved the entity since. An event with no transition from the current state: 409 HOLDFAST_INVALID_TRANSITION with `allowedEvents`. With an `Idempotency-Key` header (or `idempotencyKey`), a retry returns the first result (`replayed: true`) instead of applying the event again.",
    params: entityParams,
    body: z
      .object({
        event: z.string().min(1).max(128),
        expectedVersion: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
        data: jsonObject.optional().describe("Fields merged into the entity's data"),
        actor: actor.optional(),
        context: jsonObject.optional(),
        idempotencyKey: z.string().min(1).max(256).optional(),
      })
      .strict(),
    responses: {
      200: {
        description: "Applied (or the stored answer of a retry: `replayed: true`)",
        schema: transitionReply,
      },
      400: errorResponse("Invalid body, or an event the machine does not have"),
      404: errorResponse("No such machine or entity"),
      409: errorResponse("Version conflict, invalid transition or idempotency key reused"),
      503: errorResponse("Store unreachable: nothing was applied (safe to retry with the same key)"),
    },
    handler: async ({ params, body, request }, defs) => {
      const header = request.headers["idempotency-key"];
      if (header !== undefined) {
        if (typeof header !== "string" || header.length === 0 || header.length > 256) {
          throw new HttpError(400, "HOLDFAST_INVALID_ARGUMENT", "Invalid Idempotency-Key header.", {
            field: "headers.idempotency-key",
            reason: "must be 1 to 256 characters",
          });
        }
        if (body.idempotencyKey !== undefined && body.idempotencyKey !== header) {
          throw new HttpError(
            400,
            "HOLDFAST_INVALID_ARGUMENT",
            "The Idempotency-Key header and body.idempotencyKey differ: send one of them.",
            { field: "headers.idempotency-key", reason: "differs from body.idempotencyKey" },
          );
        }
      }
      const m = await machineIn(defs, params.machine);
      const { event, ...options } = body;
      const r = await located("body", () =>
        m.send(params.id, event, { ...options, idempotencyKey: header ?? body.idempotencyKey }),
      );
      return { machine: params.machine, ...r, state: r.to };
    },
  });

  route({
    method: "GET",
    url: "/v1/machines/:machine/entities/:id/history",
    operationId: "getMachineEntityHistory",
    scope: "client",
    summary: "An entity's transitions (and its creation), with server times, actors and data",
    params: entityParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(10_000).optional(),
      since: z
        .string()
        .max(64)
        .refine((s) => parseTimeSpec(s) !== undefined, 'must be ms since the epoch, ISO 8601 or "5m"')
        .optional(),
      after: z
        .string()
        .regex(/^\d{1,16}-\d{1,16}$/, 'must be a history id "<ms>-<seq>"')
        .optional(),
      order: z.enum(["asc", "desc"]).optional(),
    }),
    responses: {
      200: { description: "The history, oldest first unless `order=desc`", schema: historyReply },
      400: errorResponse("Invalid query (`since` and `after` together, bad limit…)"),
      404: errorResponse("No such machine, or no such entity and no history"),
    },
    handler: async ({ params, query, principal }, defs) => {
      const m = await machineIn(defs, params.machine);
      const since = await resolveTime(
        query.since === undefined ? undefined : parseTimeSpec(query.since),
        () => tenantEventLog(ctx, principal.tenant).serverTime(),
      );
      const history = await located("query", () =>
        m.history(params.id, { limit: query.limit, since, after: query.after, order: query.order }),
      );
      if (history.length === 0 && query.since === undefined && query.after === undefined) {
        if (!(await m.get(params.id))) throw new EntityNotFoundError(params.machine, params.id);
      }
      return { machine: params.machine, id: params.id, history, count: history.length };
    },
  });
}
