/**
 * Finding 4 of issue 13: /metrics spans every tenant, so it is for operators only; no series is
 * labelled with a caller's name without a cap; process metrics and a store latency histogram.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningServer } from "../../src/server/serve.js";
import { MAX_LABEL_VALUES } from "../../src/observe/metrics.js";
import type { Store } from "../../src/store/types.js";
import { describeStores, makeStore } from "../support/stores.js";
import { serveNamedKeys } from "./support.js";

describeStores(
  "/metrics",
  (ctx) => {
    let store: Store;
    let server: RunningServer;
    let keys: Record<string, string>;
    const get = async (who: string, path = "/metrics") => {
      const r = await fetch(server.url + path, { headers: { authorization: `Bearer ${keys[who]}` } });
      return { status: r.status, text: await r.text() };
    };
    beforeAll(async () => {
      store = await makeStore(ctx.target);
      ({ server, keys } = await serveNamedKeys(
        store,
        {
          client: ["client", ["a"]],
          adminA: ["admin", ["a"]],
          adminB: ["admin", ["b"]],
          adminAll: ["admin", ["*"]],
          operator: ["operator", []],
        },
        { maxEventSourcesPerTenant: 1000 },
      ));
    });
    afterAll(async () => {
      await server?.stop();
      await store?.close();
    });

    it("is refused to a tenant's client and admin keys (tenant B's names are not A's business), served to operators", async () => {
      const r = await fetch(`${server.url}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${keys.adminB}`, "content-type": "application/json" },
        body: JSON.stringify({ source: "b.src", type: "t" }),
      });
      expect(r.status).toBe(201);
      expect((await get("client")).status).toBe(403);
      const asA = await get("adminA");
      expect(asA.status).toBe(403);
      expect(asA.text).not.toContain("b.src");
      expect((await get("adminAll")).status).toBe(200);
      const op = await get("operator");
      expect(op.status).toBe(200);
      expect(op.text).toContain('source="b.src"');
      // An operator key acts for no tenant.
      expect((await get("operator", "/v1/locks/x")).status).toBe(403);
    });

    it("caps series labelled with callers' names; has process metrics and the store latency histogram", async () => {
      for (let i = 0; i < MAX_LABEL_VALUES + 50; i++) {
        const r = await fetch(`${server.url}/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${keys.adminA}`, "content-type": "application/json" },
          body: JSON.stringify({ source: `${ctx.target}.s${i}`, type: "t" }),
        });
        expect(r.status).toBe(201);
      }
      const { text } = await get("operator");
      const series = text.split("\n").filter((l) => l.startsWith("holdfast_events_appended_total{"));
      expect(series.length).toBeLessThanOrEqual(MAX_LABEL_VALUES + 1);
      expect(text).toContain('holdfast_events_appended_total{source="_other"}');
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
      expect(text).toMatch(
        new RegExp(
          `^holdfast_store_script_duration_seconds_count\\{store="${store.kind}",script="append-1"\\} \\d+`,
          "m",
        ),
      );
    });
  },
  { targets: ["memory", "redis"] },
);
