import { describe, expect, it } from "vitest";
import {
  defineMachine,
  isMachineDefinitionError,
  MachineDefinitionError,
  type MachineDefinitionProblem,
} from "../../src/machine/index.js";
import { bookingDefinition } from "./booking.js";

function problemOf(def: unknown): MachineDefinitionProblem | undefined {
  try {
    defineMachine(def as never);
    return undefined;
  } catch (e) {
    expect(isMachineDefinitionError(e)).toBe(true);
    expect((e as MachineDefinitionError).code).toBe("HOLDFAST_MACHINE_DEFINITION");
    return (e as MachineDefinitionError).problem;
  }
}

const base = {
  name: "door",
  states: ["open", "closed"],
  initial: "closed",
  events: ["open", "close"],
  transitions: [
    { event: "open", from: "closed", to: "open" },
    { event: "close", from: "open", to: "closed" },
  ],
};

describe("machine definitions", () => {
  it("accepts seed 000's booking machine and knows the allowed events per state", () => {
    const m = defineMachine(bookingDefinition);
    expect(m.allowed.get("created")).toEqual(["verify_capacity", "fail"]);
    expect(m.allowed.get("confirmed")).toEqual([]);
    expect(m.events.get("retry")!.pairs).toEqual([
      "assignment_in_progress",
      "assignment_pending",
      "failed",
      "assignment_pending",
    ]);
    expect(problemOf(base)).toBeUndefined();
  });

  it.each<[string, unknown, MachineDefinitionProblem]>([
    ["a bad name", { ...base, name: "has space" }, "invalid-name"],
    ["a name with braces", { ...base, name: "{x}" }, "invalid-name"],
    ["a name with the key separator", { ...base, name: "a:b" }, "invalid-name"],
    ["no states", { ...base, states: [] }, "no-states"],
    ["a bad state name", { ...base, states: ["open", "clo sed"] }, "invalid-state"],
    ["a duplicate state", { ...base, states: ["open", "closed", "open"] }, "duplicate-state"],
    ["an unknown initial state", { ...base, initial: "ajar" }, "unknown-initial-state"],
    ["no events", { ...base, events: [] }, "no-events"],
    ["a reserved event name", { ...base, events: ["open", "$create"] }, "invalid-event"],
    ["a duplicate event", { ...base, events: ["open", "close", "open"] }, "duplicate-event"],
    ["transitions that are not an array", { ...base, transitions: {} }, "invalid-transition"],
    [
      "an unknown event in a transition",
      { ...base, transitions: [...base.transitions, { event: "slam", from: "open", to: "closed" }] },
      "unknown-event",
    ],
    [
      "an unknown target state",
      { ...base, transitions: [base.transitions[0], { event: "close", from: "open", to: "shut" }] },
      "unknown-state",
    ],
    [
      "an unknown source state",
      {
        ...base,
        transitions: [base.transitions[0], { event: "close", from: ["open", "ajar"], to: "closed" }],
      },
      "unknown-state",
    ],
    [
      "a duplicate transition",
      { ...base, transitions: [...base.transitions, { event: "open", from: "closed", to: "closed" }] },
      "duplicate-transition",
    ],
    [
      "an event without a transition",
      { ...base, transitions: [base.transitions[0]] },
      "event-without-transition",
    ],
    [
      "an unreachable state",
      {
        ...base,
        states: ["open", "closed", "locked"],
        events: ["open", "close", "unlock"],
        transitions: [...base.transitions, { event: "unlock", from: "locked", to: "closed" }],
      },
      "unreachable-state",
    ],
    [
      "a guard that is not a function",
      { ...base, transitions: [{ ...base.transitions[0], guard: "yes" }, base.transitions[1]] },
      "invalid-transition",
    ],
  ])("rejects %s with a typed error", (_what, def, problem) => {
    expect(problemOf(def)).toBe(problem);
  });

  it("names the state and event at fault", () => {
    try {
      defineMachine({
        ...base,
        transitions: [...base.transitions, { event: "open", from: "closed", to: "closed" }],
      });
      expect.unreachable();
    } catch (e) {
      const err = e as MachineDefinitionError;
      expect(err.state).toBe("closed");
      expect(err.event).toBe("open");
      expect(err.message).toMatch(/door.*duplicate-transition.*"open".*"closed"/);
      expect(err.toJSON()).toMatchObject({
        code: "HOLDFAST_MACHINE_DEFINITION",
        problem: "duplicate-transition",
      });
    }
  });
});
