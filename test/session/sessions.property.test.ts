/**
 * Sessions against a model: random sequences of put/get/touch/revoke/list/revokeAll over a few users
 * and tokens must match a plain Map, on every store; and revokeAll must win against concurrent reads.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createSessions, sessionId } from "../../src/session/index.js";

type Op =
  | { kind: "put"; token: number; user: number; data: number }
  | { kind: "get" | "touch" | "revoke"; token: number; hint: boolean }
  | { kind: "list" | "revokeAll"; user: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("put" as const), token: fc.nat(5), user: fc.nat(2), data: fc.nat(99) }),
  fc.record({
    kind: fc.constantFrom("get" as const, "touch" as const, "revoke" as const),
    token: fc.nat(5),
    hint: fc.boolean(),
  }),
  fc.record({ kind: fc.constantFrom("list" as const, "revokeAll" as const), user: fc.nat(2) }),
);

describeStores("sessions (property)", ({ store, another }) => {
  it("behaves like a map of token -> {user, data}", async () => {
    const a = createSessions<number>(store());
    const b = createSessions<number>(await another());
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        const run = randomUUID().slice(0, 8);
        const tok = (i: number) => `tok-${run}-${i}`;
        const usr = (i: number) => `usr-${run}-${i}`;
        const model = new Map<string, { user: string; data: number }>();
        for (const [i, op] of ops.entries()) {
          const s = i % 2 === 0 ? a : b;
          if (op.kind === "put") {
            await s.put(tok(op.token), { user: usr(op.user), data: op.data, ttlMs: 60_000 });
            model.set(tok(op.token), { user: usr(op.user), data: op.data });
          } else if (op.kind === "list") {
            const listed = (await s.list(usr(op.user))).map((x) => `${x.id}:${String(x.data)}`).sort();
            const expected = [...model]
              .filter(([, v]) => v.user === usr(op.user))
              .map(([t, v]) => `${sessionId(t)}:${v.data}`)
              .sort();
            expect(listed).toEqual(expected);
          } else if (op.kind === "revokeAll") {
            const expected = [...model].filter(([, v]) => v.user === usr(op.user));
            expect(await s.revokeAll(usr(op.user))).toBe(expected.length);
            for (const [t] of expected) model.delete(t);
          } else if ("hint" in op) {
            const t = tok(op.token);
            const m = model.get(t);
            // The hint is the right user when the model knows one, else some user.
            const lookup = op.hint ? { user: m?.user ?? usr(0) } : {};
            if (op.kind === "revoke") {
              expect(await s.revoke(t, lookup)).toBe(m !== undefined);
              model.delete(t);
            } else {
              const got = op.kind === "get" ? await s.get(t, lookup) : await s.touch(t, lookup);
              expect(got === null ? null : { user: got.user, data: got.data }).toEqual(m ?? null);
            }
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  it("revokeAll ends every session put before it, whatever runs concurrently", async () => {
    const a = createSessions(store());
    const b = createSessions(await another());
    const u = `user-${randomUUID().slice(0, 8)}`;
    const tokens = Array.from({ length: 30 }, () => randomUUID());
    await Promise.all(tokens.map((t, i) => (i % 2 ? a : b).put(t, { user: u })));
    let stop = false;
    const readers = Array.from({ length: 10 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        await (w % 2 ? a : b).touch(tokens[(w + i) % tokens.length]);
        // The memory store answers in microtasks: let timers run.
        await new Promise((r) => setImmediate(r));
      }
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(await a.revokeAll(u)).toBe(30);
    const after = await Promise.all(tokens.map((t, i) => (i % 2 ? a : b).get(t)));
    stop = true;
    await Promise.all(readers);
    expect(after.every((x) => x === null)).toBe(true);
    expect(await b.list(u)).toEqual([]);
  });
});
