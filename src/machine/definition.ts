import { MachineDefinitionError } from "./errors.js";
import { MAX_TOKEN_LENGTH } from "../events/validate.js";

/** Name of the pseudo-event recorded in the history by `create()` (users' events cannot start with `$`). */
export const CREATE_EVENT = "$create";

const TOKEN = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
/**
 * Machine names cannot contain ":", the separator between machine and entity id in keys
 * (`machine:{<name>:<id>}`): otherwise machine "a" with id "b:c" and machine "a:b" with id "c"
 * would share a key.
 */
const MACHINE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** What a guard sees: the entity as it is now and the event being sent. */
export interface GuardInput<S extends string, E extends string, D> {
  id: string;
  state: S;
  version: number;
  data: D;
  event: E;
  /** The `data` passed to `send()`, if any. */
  eventData: Record<string, unknown> | undefined;
}

/**
 * A synchronous predicate: `true` lets the transition happen; `false` or a string (the reason)
 * refuses it with a GuardRejectedError.
 */
export type Guard<S extends string, E extends string, D> = (input: GuardInput<S, E, D>) => boolean | string;

/** One arrow of the machine: `event` moves an entity from any state in `from` to `to`. */
export interface TransitionDefinition<S extends string, E extends string, D> {
  event: E;
  from: S | readonly S[];
  to: S;
  /** Checked before the transition, against the entity's current data (costs one extra round trip). */
  guard?: Guard<S, E, D>;
}

/** A versioned state machine. Validated once by {@link defineMachine}. */
export interface MachineDefinition<S extends string, E extends string, D> {
  /** Names the machine's keys and its event-log source (`<name>.state_machine`). Same rules as states, without ":". */
  name: string;
  /** Every state. Names: 1–128 characters of `[A-Za-z0-9_.:-]`, starting with a letter or `_`. */
  states: readonly S[];
  /** The state `create()` puts an entity in. */
  initial: S;
  /** Every event; each must have at least one transition. Same naming rules as states. */
  events: readonly E[];
  transitions: readonly TransitionDefinition<S, E, D>[];
}

/** One event's transitions, ready for the script: flat `[from, to, from, to, …]` and per-state lookups. */
export interface CompiledEvent<S extends string, E extends string, D> {
  pairs: string[];
  byFrom: Map<S, { to: S; guard?: Guard<S, E, D> }>;
  hasGuards: boolean;
}

/** A validated definition. */
export interface CompiledMachine<S extends string, E extends string, D> {
  readonly definition: MachineDefinition<S, E, D>;
  readonly name: string;
  readonly initial: S;
  readonly states: ReadonlySet<S>;
  readonly events: ReadonlyMap<E, CompiledEvent<S, E, D>>;
  /** Per state, the events with a transition from it (definition order). */
  readonly allowed: ReadonlyMap<S, E[]>;
}

function checkTokens<T extends string>(machine: string, list: unknown, what: "state" | "event"): T[] {
  const empty = what === "state" ? "no-states" : "no-events";
  if (!Array.isArray(list) || list.length === 0) {
    throw new MachineDefinitionError(machine, empty, `list at least one ${what} in \`${what}s\``);
  }
  const seen = new Set<string>();
  for (const v of list as unknown[]) {
    if (typeof v !== "string" || v.length > MAX_TOKEN_LENGTH || !TOKEN.test(v)) {
      throw new MachineDefinitionError(
        machine,
        what === "state" ? "invalid-state" : "invalid-event",
        `${JSON.stringify(v)} is not a valid ${what} name: use 1 to ${MAX_TOKEN_LENGTH} characters of letters, digits and "_.:-", starting with a letter or "_"`,
        what === "state" ? { state: String(v) } : { event: String(v) },
      );
    }
    if (seen.has(v)) {
      throw new MachineDefinitionError(
        machine,
        what === "state" ? "duplicate-state" : "duplicate-event",
        `"${v}" is listed twice in \`${what}s\``,
        what === "state" ? { state: v } : { event: v },
      );
    }
    seen.add(v);
  }
  return list as T[];
}

/**
 * Validates a machine definition and prepares it for use. Checks, in order: the name; states
 * (at least one, valid names, no duplicates); the initial state; events (likewise); each
 * transition (known event, known states, a function or nothing as guard); no two transitions for
 * the same event from the same state; every event has a transition; every state is reachable
 * from the initial state.
 *
 * @throws MachineDefinitionError naming the problem, the state and the event at fault
 * @example
 * const door = defineMachine({
 *   name: "door", states: ["open", "closed"], initial: "closed", events: ["open", "close"],
 *   transitions: [{ event: "open", from: "closed", to: "open" }, { event: "close", from: "open", to: "closed" }],
 * });
 */
export function defineMachine<
  S extends string,
  E extends string,
  D extends Record<string, unknown> = Record<string, unknown>,
>(definition: MachineDefinition<S, E, D>): CompiledMachine<S, E, D> {
  const def = definition as Partial<MachineDefinition<S, E, D>> | undefined;
  const name = def?.name;
  if (typeof name !== "string" || name.length > MAX_TOKEN_LENGTH || !MACHINE_NAME.test(name)) {
    throw new MachineDefinitionError(
      typeof name === "string" ? name : "?",
      "invalid-name",
      `the name must be 1 to ${MAX_TOKEN_LENGTH} characters of letters, digits and "_.-", starting with a letter or "_"`,
    );
  }
  const states = new Set(checkTokens<S>(name, def!.states, "state"));
  const initial = def!.initial as S;
  if (!states.has(initial)) {
    throw new MachineDefinitionError(
      name,
      "unknown-initial-state",
      `the initial state ${JSON.stringify(initial)} is not in \`states\``,
      { state: String(initial) },
    );
  }
  const eventList = checkTokens<E>(name, def!.events, "event");
  const events = new Map<E, CompiledEvent<S, E, D>>(
    eventList.map((e) => [e, { pairs: [], byFrom: new Map(), hasGuards: false }]),
  );
  const allowed = new Map<S, E[]>([...states].map((s) => [s, []]));
  const next = new Map<S, Set<S>>([...states].map((s) => [s, new Set<S>()]));
  const transitions = def!.transitions;
  if (!Array.isArray(transitions)) {
    throw new MachineDefinitionError(name, "invalid-transition", "`transitions` must be an array");
  }
  transitions.forEach((t: Partial<TransitionDefinition<S, E, D>> | undefined, i: number) => {
    if (typeof t !== "object" || t === null) {
      throw new MachineDefinitionError(name, "invalid-transition", `transitions[${i}] must be an object`);
    }
    const compiled = events.get(t.event as E);
    if (!compiled) {
      throw new MachineDefinitionError(
        name,
        "unknown-event",
        `transitions[${i}] uses event ${JSON.stringify(t.event)}, which is not in \`events\``,
        { event: String(t.event) },
      );
    }
    const event = t.event as E;
    const from = (Array.isArray(t.from) ? t.from : [t.from]) as S[];
    if (from.length === 0) {
      throw new MachineDefinitionError(
        name,
        "invalid-transition",
        `transitions[${i}] has an empty \`from\``,
        {
          event,
        },
      );
    }
    for (const s of [...from, t.to as S]) {
      if (!states.has(s)) {
        throw new MachineDefinitionError(
          name,
          "unknown-state",
          `transitions[${i}] (event "${event}") uses state ${JSON.stringify(s)}, which is not in \`states\``,
          { state: String(s), event },
        );
      }
    }
    if (t.guard !== undefined && typeof t.guard !== "function") {
      throw new MachineDefinitionError(
        name,
        "invalid-transition",
        `transitions[${i}].guard must be a function`,
        {
          event,
        },
      );
    }
    for (const s of from) {
      if (compiled.byFrom.has(s)) {
        throw new MachineDefinitionError(
          name,
          "duplicate-transition",
          `event "${event}" has two transitions from state "${s}": keep one (a machine must be deterministic)`,
          { state: s, event },
        );
      }
      compiled.byFrom.set(s, { to: t.to as S, guard: t.guard });
      compiled.pairs.push(s, t.to as S);
      if (t.guard) compiled.hasGuards = true;
      allowed.get(s)!.push(event);
      next.get(s)!.add(t.to as S);
    }
  });
  for (const [event, c] of events) {
    if (c.byFrom.size === 0) {
      throw new MachineDefinitionError(
        name,
        "event-without-transition",
        `event "${event}" has no transition: add one or remove it from \`events\``,
        { event },
      );
    }
  }
  const reached = new Set<S>([initial]);
  const queue: S[] = [initial];
  while (queue.length > 0) {
    for (const s of next.get(queue.shift()!)!) {
      if (!reached.has(s)) {
        reached.add(s);
        queue.push(s);
      }
    }
  }
  for (const s of states) {
    if (!reached.has(s)) {
      throw new MachineDefinitionError(
        name,
        "unreachable-state",
        `state "${s}" cannot be reached from "${initial}": add a transition into it or remove it`,
        { state: s },
      );
    }
  }
  for (const list of allowed.values()) list.sort((a, b) => eventList.indexOf(a) - eventList.indexOf(b));
  return { definition, name, initial, states, events, allowed };
}
