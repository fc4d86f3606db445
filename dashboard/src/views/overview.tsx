import { Sparkline } from "../chart";
import { ErrorNote, formatBytes, formatDuration, formatRate, formatTime, Section } from "../components";
import { useDashboard } from "../context";
import { useLoad, useNow } from "../hooks";
import type { Overview } from "../api";

/** The tenant's counters over the last minutes, kept live by the app from the event stream. */
export interface Series {
  values: Record<string, number[]>;
  sampleMs: number;
  endAt: number;
}

type Finding = NonNullable<Overview["server"]>["findings"][number];

const CHARTS: { key: string; label: string; bad?: boolean }[] = [
  { key: "requests", label: "Requests" },
  { key: "errors", label: "Errors (5xx)", bad: true },
  { key: "acquires", label: "Lock acquires" },
  { key: "conflicts", label: "Conflicts (locks, semaphores)", bad: true },
  { key: "denials", label: "Rate-limit denials", bad: true },
  { key: "holds", label: "Stock holds" },
  { key: "deliveries", label: "Channel messages to sockets" },
];

function Findings({ findings }: { findings: Finding[] }) {
  const memory = findings.filter((f) => f.check === "memory");
  const rest = findings.filter((f) => f.check !== "memory");
  return (
    <>
      {memory.map((f) => (
        <div class="memory" key={`m-${f.node}`}>
          <p>
            <strong>Memory{f.node ? ` (${f.node})` : ""}:</strong> {f.message}
          </p>
          {f.usedBytes !== undefined && f.maxBytes ? (
            <progress max={f.maxBytes} value={f.usedBytes} aria-label="memory used of maxmemory" />
          ) : null}
          {f.fix && <p class={`finding ${f.level}`}>{f.fix}</p>}
        </div>
      ))}
      <ul class="findings">
        {rest.map((f, i) => (
          <li key={i} class={`finding ${f.level}`}>
            <span class="level">{f.level === "ok" ? "OK" : f.level === "warn" ? "Warning" : "Error"}</span>{" "}
            {f.check}: {f.message}
            {f.fix && <div class="fix">{f.fix}</div>}
          </li>
        ))}
      </ul>
    </>
  );
}

export function Overview({ series }: { series: Series | undefined }) {
  const { client, identity } = useDashboard();
  const o = useLoad(() => client.request<Overview>("GET", "/v1/dashboard/overview"), [], []);
  const now = useNow(1000);
  const d = o.data;
  return (
    <>
      <ErrorNote error={o.error} />
      <div class="grid">
        <Section title="Store">
          {d ? (
            <dl class="facts">
              <dt>Kind</dt>
              <dd>
                {d.store.kind} ({d.store.mode})
              </dd>
              <dt>Health</dt>
              <dd class={d.store.status === "ok" ? "ok" : "bad"}>
                {d.store.status === "ok" ? "reachable" : `down: ${d.store.error ?? ""}`}
              </dd>
              <dt>Latency</dt>
              <dd>{d.store.latencyMs.toFixed(2)} ms</dd>
              <dt>Server</dt>
              <dd>{d.store.serverVersion}</dd>
            </dl>
          ) : (
            <p class="muted">Loading…</p>
          )}
        </Section>
        <Section title="Service">
          {d && (
            <dl class="facts">
              <dt>Version</dt>
              <dd>Holdfast {d.version}</dd>
              <dt>Uptime</dt>
              <dd>{formatDuration(d.uptimeMs + (now - o.at))}</dd>
              <dt>Requests</dt>
              <dd>{formatRate(d.rates.requests)} (last minute)</dd>
              <dt>Errors</dt>
              <dd class={d.rates.errors > 0 ? "bad" : undefined}>{formatRate(d.rates.errors)} 5xx</dd>
            </dl>
          )}
        </Section>
      </div>
      {d && !d.server && identity.role === "admin" && (
        <p class="note">
          The server check (memory, eviction policy, persistence) spans every tenant, as <code>/metrics</code>{" "}
          does: sign in with an admin key of every tenant (
          <code>holdfast keys create --role admin --tenant '*'</code>) to see it here.
        </p>
      )}
      {d?.server && (
        <Section title="Server check">
          <p class="muted">
            As <code>holdfast doctor</code> reports it, checked at {formatTime(d.server.checkedAt)}. This
            process: {formatBytes(d.server.process.rssBytes)} resident,{" "}
            {formatBytes(d.server.process.heapUsedBytes)} heap
            {d.server.process.storeBudgetBytes
              ? `, memory store budget ${formatBytes(d.server.process.storeBudgetBytes)}`
              : ""}
            .
          </p>
          <Findings findings={d.server.findings} />
        </Section>
      )}
      <Section title="Last minutes">
        <p class="muted">
          This tenant's activity through this service, per {series ? series.sampleMs / 1000 : 2} s, live.
        </p>
        <div class="sparks">
          {CHARTS.map((c) => {
            const values = series?.values[c.key] ?? [];
            const last = values.length > 0 ? values[values.length - 1] : 0;
            const peak = values.reduce((a, b) => Math.max(a, b), 0);
            const summary = `${c.label}: ${last} in the last interval, peak ${peak}, over ${values.length} intervals`;
            return (
              <figure key={c.key} class="spark-card">
                <figcaption>
                  {c.label} <strong>{last}</strong>
                </figcaption>
                {series && values.length > 0 ? (
                  <Sparkline
                    values={values}
                    sampleMs={series.sampleMs}
                    endAt={series.endAt}
                    label={summary}
                    tone={c.bad ? "bad" : "neutral"}
                  />
                ) : (
                  <p class="muted">Waiting for the first samples…</p>
                )}
              </figure>
            );
          })}
        </div>
      </Section>
    </>
  );
}
