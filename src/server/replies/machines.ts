/** Reply schemas of `/v1/machines/…`. */
import { z } from "zod";
import { epochMs, int, jsonObject } from "./common.js";

export const machineDefinitionReply = z
  .object({
    states: z.array(z.string()),
    initial: z.string(),
    events: z.array(z.string()),
    transitions: z.array(
      z.object({ event: z.string(), from: z.union([z.string(), z.array(z.string())]), to: z.string() }),
    ),
  })
  .meta({ id: "MachineDefinition" });

export const storedDefinitionReply = z.object({
  machine: z.string(),
  definition: machineDefinitionReply,
  version: int(),
  updatedAt: epochMs("When it last changed"),
});
export const definitionPutReply = storedDefinitionReply.extend({
  changed: z.boolean().describe("false when the same definition was already stored"),
});

const eventLog = z
  .enum(["appended", "failed", "disabled", "skipped"])
  .describe("What happened to the event-log copy of this step");

export const entityCreatedReply = z.object({
  machine: z.string(),
  id: z.string(),
  state: z.string(),
  version: int(),
  at: int(),
  historyId: z.string(),
  eventLog,
});

export const entityReply = z
  .object({
    machine: z.string(),
    id: z.string(),
    state: z.string(),
    version: int(),
    data: jsonObject,
    createdAt: int(),
    updatedAt: int(),
    allowedEvents: z.array(z.string()).describe("Events with a transition from `state`"),
  })
  .meta({ id: "MachineEntity" });

export const transitionReply = z
  .object({
    machine: z.string(),
    id: z.string(),
    event: z.string(),
    from: z.string(),
    to: z.string(),
    state: z.string(),
    version: int(),
    at: int(),
    historyId: z.string(),
    replayed: z
      .boolean()
      .describe("true: the stored answer of an earlier send with the same idempotency key"),
    eventLog,
  })
  .meta({ id: "MachineTransition" });

export const historyReply = z.object({
  machine: z.string(),
  id: z.string(),
  history: z.array(
    z.object({
      historyId: z.string(),
      event: z.string().describe('The event, or "$create"'),
      from: z.string().nullable(),
      to: z.string(),
      version: int(),
      at: int(),
      actor: z.string().optional(),
      context: jsonObject.optional(),
      data: jsonObject.optional(),
    }),
  ),
  count: int(),
});
