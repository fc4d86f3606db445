import { performance } from "node:perf_hooks";
import { collectDefaultMetrics, Registry } from "prom-client";
import {
  cappedLabel,
  histogram,
  histogramChild,
  holdfastRegistry,
  type HistogramChild,
} from "../observe/metrics.js";
import type { Store } from "../store/types.js";

/**
 * prom-client's default process metrics (`process_*`, `nodejs_*`: CPU, RSS, heap, event-loop lag,
 * GC) in a registry of the service's own: a library user who merges `holdfastRegistry` into theirs
 * keeps their own default metrics without duplicates.
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The Prometheus text of `/metrics`: Holdfast's registry and the process metrics. */
export async function metricsText(): Promise<{ contentType: string; text: string }> {
  const merged = Registry.merge([holdfastRegistry, processMetrics()]);
  return { contentType: merged.contentType, text: await merged.metrics() };
}

/** Starts collecting process metrics (the service calls it at build time). */
export function enableProcessMetrics(): void {
  processMetrics();
}

const storeLatency = histogram(
  "holdfast_store_script_duration_seconds",
  "Time from a primitive's call to the store until its reply (one script, one round trip on Redis), by store kind and script.",
  ["store", "script"] as const,
  [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
);

const instrumented = new WeakSet<Store>();

/**
 * Times every script `store` runs into `holdfast_store_script_duration_seconds`. The store object
 * keeps its class (channels tell the store kinds apart by it): its `run` is wrapped in place, once.
 * Script names are the primitives' own, capped like any label (rate-limit scripts are built per
 * list of algorithms).
 */
export function instrumentStore(store: Store): Store {
  if (instrumented.has(store)) return store;
  instrumented.add(store);
  const run = store.run.bind(store);
  const children = new Map<string, HistogramChild>();
  // By script name, so a run skips cappedLabel's key join and set lookup; bounded like the labels.
  const byScript = new Map<string, HistogramChild>();
  const child = (script: string) => {
    let c = byScript.get(script);
    if (c) return c;
    const label = cappedLabel("holdfast_store_script", "script", script, 256);
    c = children.get(label);
    if (!c) children.set(label, (c = histogramChild(storeLatency, { store: store.kind, script: label })));
    if (byScript.size < 1024) byScript.set(script, c);
    return c;
  };
  (store as { run: Store["run"] }).run = (script, keys, args) => {
    const started = performance.now();
    const c = child(script.name);
    const p = run(script, keys, args);
    // Two unnamed arrows, not one named `done`: under tsx (esbuild's keepNames), as the example
    // apps run, every named closure made per call costs an Object.defineProperty of its name.
    p.then(
      () => c.observe((performance.now() - started) / 1000),
      () => c.observe((performance.now() - started) / 1000),
    );
    return p;
  };
  return store;
}
