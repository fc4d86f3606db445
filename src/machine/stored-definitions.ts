import { LRUCache } from "lru-cache";
import type { EventLog } from "../events/event-log.js";
import { namespacedStore } from "../store/namespaced-store.js";
import type { Store } from "../store/types.js";
import { defineMachine } from "./definition.js";
import { EntityExistsError, isVersionConflictError } from "./errors.js";
import { createMachine, type Machine } from "./machine.js";

/** A machine definition as it travels over HTTP and is stored: data only, no guards (guards are code). */
export interface StoredDefinition {
  states: string[];
  initial: string;
  events: string[];
  transitions: { event: string; from: string | string[]; to: string }[];
}

/** A machine of any states, events and data, as a stored definition builds it. */
export type AnyMachine = Machine<string, string, Record<string, unknown>>;

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
