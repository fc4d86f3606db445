import { z } from "zod";
import { LRUCache } from "lru-cache";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import type { EventLog } from "../../events/event-log.js";
import { MAX_JSON_CHARS } from "../../events/validate.js";
import {
  createMachine,
  defineMachine,
  EntityExistsError,
  EntityNotFoundError,
  isVersionConflictError,
  type Machine,
} from "../../machine/index.js";
import { namespacedStore } from "../../store/namespaced-store.js";
import type { Store } from "../../store/types.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { defineRoute } from "../route.js";
import { errorResponse, nameParam } from "./common.js";
import { parseTimeSpec, tenantEventLog } from "./events.js";
import {
  definitionPutReply,
  entityCreatedReply,
  entityReply,
  historyReply,
  storedDefinitionReply,
  transitionReply,
} from "../replies/machines.js";

/** A machine definition as it travels over HTTP and is stored: data only, no guards (guards are code). */
export interface StoredDefinition {
  states: string[];
  initial: string;
  events: string[];
  transitions: { event: string; from: string | string[]; to: string }[];
}

type AnyMachine = Machine<string, string, Record<string, unknown>>;

/**
 * How long a server instance trusts its copy of a definition before re-reading it from the store,
 * in ms. A definition replaced through another instance takes effect here within this time.
 */
export const DEFINITION_CACHE_MS = 1000;

/**
 * The registry of definitions is itself a machine (one state, one event) whose entities are the
 * definitions: replacing one is one atomic, versioned write with a history, on every store and on
 * a Cluster. It lives under its own namespace, so no machine a tenant defines can reach its keys.
 */
const REGISTRY = defineMachine({
  name: "definitions",
  states: ["defined"],
  initial: "defined",
  events: ["redefine"],
  transitions: [{ event: "redefine", from: "defined", to: "defined" }],
});

/** A placeholder definition for reading entities whose definition is not stored (e.g. defined in code). */
function readOnlyDefinition(name: string) {
  return defineMachine({
    name,
    states: ["_"],
    initial: "_",
    events: ["_"],
    transitions: [{ event: "_", from: "_", to: "_" }],
  });
}

/** Compiled machines kept per tenant (least recently used first out). */
const MAX_CACHED_MACHINES = 256;

/**
 * The machine definitions of one tenant, stored in the tenant's store so that every server
 * instance sees them, and the compiled machines built from them (cached {@link DEFINITION_CACHE_MS}).
 */
export class MachineDefinitions {
  private readonly registry: Machine<"defined", "redefine", Record<string, unknown>>;
  // Only stored definitions are cached, but names come from callers: the cache is bounded.
  private readonly cache = new LRUCache<string, { machine: AnyMachine; version: number; checkedAt: number }>({
    max: MAX_CACHED_MACHINES,
  });

  constructor(
    private readonly store: Store,
    private readonly eventLog?: EventLog,
  ) {
    this.registry = createMachine(namespacedStore(store, "machine-defs:"), REGISTRY);
  }

  /** The stored definition of `name`, its version (1 for the first, +1 per change) and when it last changed. */
  async get(
    name: string,
  ): Promise<{ machine: string; definition: StoredDefinition; version: number; updatedAt: number } | null> {
    const snap = await this.registry.get(name);
    if (!snap) return null;
    const { states, initial, events, transitions } = snap.data as unknown as StoredDefinition;
    return {
      machine: name,
      definition: { states, initial, events, transitions },
      version: snap.version,
      updatedAt: snap.updatedAt,
    };
  }

  /**
   * Validates `definition` with `defineMachine` (MachineDefinitionError, nothing stored) and stores
   * it. Storing the very same definition again changes nothing (`changed: false`).
   */
  async put(name: string, definition: StoredDefinition) {
    const compiled = defineMachine({ name, ...definition });
    const data = { ...definition } as Record<string, unknown>;
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(name);
      if (current && JSON.stringify(current.definition) === JSON.stringify(definition)) {
        return { ...current, changed: false };
      }
      try {
        const r = current
          ? await this.registry.send(name, "redefine", { data, expectedVersion: current.version })
          : await this.registry.create(name, { data });
        this.remember(name, createMachine(this.store, compiled, this.options()), r.version);
        return { machine: name, definition, version: r.version, updatedAt: r.at, changed: true };
      } catch (e) {
        // Someone else stored or replaced it between our read and our write: read again.
        if (!(e instanceof EntityExistsError || isVersionConflictError(e)) || attempt >= 5) throw e;
      }
    }
  }

  private options() {
    return this.eventLog ? { eventLog: this.eventLog } : {};
  }

  private remember(name: string, machine: AnyMachine, version: number): void {
    this.cache.set(name, { machine, version, checkedAt: Date.now() });
  }

  /** The machine built from the stored definition, or null when none is stored. */
  async machine(name: string): Promise<AnyMachine | null> {
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.checkedAt < DEFINITION_CACHE_MS) return hit.machine;
    const stored = await this.get(name);
    if (!stored) {
      this.cache.delete(name);
      return null;
    }
    if (hit && hit.version === stored.version) {
      hit.checkedAt = Date.now();
      return hit.machine;
    }
    const machine = createMachine(
      this.store,
      defineMachine({ name, ...stored.definition }),
      this.options(),
    ) as AnyMachine;
    this.remember(name, machine, stored.version);
    return machine;
  }

  /**
   * A machine to read `name`'s entities and history with: the stored one, or (for machines defined
   * in code) a read-only stand-in that can `get` and `history` but knows no events.
   */
  async reader(name: string): Promise<{ machine: AnyMachine; defined: boolean }> {
    const m = await this.machine(name);
    if (m) return { machine: m, defined: true };
    return { machine: createMachine(this.store, readOnlyDefinition(name)) as AnyMachine, defined: false };
  }
}

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

/** `/v1/machines/…`: store a definition, then create, read, move and audit its entities. */
export function registerMachineRoutes(ctx: ServerContext): void {
  const { app, registry } = ctx;
  const defsOf = (tenant: string): MachineDefinitions =>
    ctx.perTenant(
      "machine-definitions",
      tenant,
      (store) => new MachineDefinitions(store, tenantEventLog(ctx, tenant)),
    );
  const machineOf = async (tenant: string, name: string): Promise<AnyMachine> => {
    const m = await defsOf(tenant).machine(name);
    if (!m) throw machineNotFound(name);
    return m;
  };

  defineRoute(app, registry, {
    method: "PUT",
    url: "/v1/machines/:machine",
    operationId: "putMachineDefinition",
    tag: "machines",
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
    handler: async ({ params, body, principal }) => {
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
      return defsOf(principal.tenant).put(params.machine, definition as StoredDefinition);
    },
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/machines/:machine",
    operationId: "getMachineDefinition",
    tag: "machines",
    scope: "client",
    summary: "The stored definition of a machine",
    params: machineParams,
    responses: {
      200: { description: "The definition", schema: storedDefinitionReply },
      404: errorResponse("No such machine for this tenant"),
    },
    handler: async ({ params, principal }) => {
      const d = await defsOf(principal.tenant).get(params.machine);
      if (!d) throw machineNotFound(params.machine);
      return d;
    },
  });

  defineRoute(app, registry, {
    method: "POST",
    url: "/v1/machines/:machine/entities/:id",
    operationId: "createMachineEntity",
    tag: "machines",
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
    handler: async ({ params, body, principal, reply }) => {
      const m = await machineOf(principal.tenant, params.machine);
      const r = await located("body", () => m.create(params.id, body));
      void reply.code(201);
      return { machine: params.machine, ...r };
    },
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/machines/:machine/entities/:id",
    operationId: "getMachineEntity",
    tag: "machines",
    scope: "client",
    summary: "An entity's state, version and data, and the events allowed from its state",
    params: entityParams,
    responses: {
      200: { description: "The entity", schema: entityReply },
      404: errorResponse("No such machine or entity"),
    },
    handler: async ({ params, principal }) => {
      const m = await machineOf(principal.tenant, params.machine);
      const snap = await m.get(params.id);
      if (!snap) throw new EntityNotFoundError(params.machine, params.id);
      return { machine: params.machine, ...snap, allowedEvents: m.allowedEvents(snap.state) };
    },
  });

  defineRoute(app, registry, {
    method: "POST",
    url: "/v1/machines/:machine/entities/:id/events",
    operationId: "sendMachineEvent",
    tag: "machines",
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
    handler: async ({ params, body, principal, request }) => {
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
      const m = await machineOf(principal.tenant, params.machine);
      const { event, ...options } = body;
      const r = await located("body", () =>
        m.send(params.id, event, { ...options, idempotencyKey: header ?? body.idempotencyKey }),
      );
      return { machine: params.machine, ...r, state: r.to };
    },
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/machines/:machine/entities/:id/history",
    operationId: "getMachineEntityHistory",
    tag: "machines",
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
    handler: async ({ params, query, principal }) => {
      const m = await machineOf(principal.tenant, params.machine);
      const spec = query.since === undefined ? undefined : parseTimeSpec(query.since);
      const since =
        spec === undefined
          ? undefined
          : spec.kind === "absolute"
            ? spec.ms
            : Math.max(0, (await tenantEventLog(ctx, principal.tenant).serverTime()) - spec.ms);
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
