import { useState } from "preact/hooks";
import {
  AdminOnly,
  DataTable,
  ErrorNote,
  formatDuration,
  formatRate,
  formatTime,
  Section,
} from "../components";
import { seg, useDashboard } from "../context";
import { useAction, useLoad } from "../hooks";
import type { LimiterList, RateLimitDecision } from "../api";

type Limiter = LimiterList["limiters"][number];

function describeLimit(l: Limiter["limits"][number]): string {
  if ("windowMs" in l) return `${l.algorithm}: ${l.limit} per ${formatDuration(l.windowMs)}`;
  return `${l.algorithm}: burst ${l.burst}, ${l.ratePerSec}/s`;
}

function KeyLookup({ limiters }: { limiters: Limiter[] }) {
  const { client } = useDashboard();
  const [name, setName] = useState("");
  const [key, setKey] = useState("");
  const [result, setResult] = useState<{ name: string; key: string; peek: RateLimitDecision }>();
  const action = useAction();
  const chosen = limiters.find((l) => l.name === (name || limiters[0]?.name));
  return (
    <Section title="A key's state">
      <form
        class="row lookup"
        onSubmit={(e) => {
          e.preventDefault();
          if (!chosen) return;
          void action.run(async () => {
            const peek = await client.request<RateLimitDecision>(
              "POST",
              `/v1/ratelimits/${seg(chosen.name)}/peek`,
              {
                key,
                limits: chosen.limits,
              },
            );
            setResult({ name: chosen.name, key, peek });
          });
        }}
      >
        <div class="field">
          <label for="rl-name">Limiter</label>
          <select id="rl-name" value={chosen?.name ?? ""} onChange={(e) => setName(e.currentTarget.value)}>
            {limiters.map((l) => (
              <option key={l.name}>{l.name}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="rl-key">Key</label>
          <input
            id="rl-key"
            required
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            placeholder="user-42"
          />
        </div>
        <button type="submit" disabled={!chosen}>
          Look up (consumes nothing)
        </button>
      </form>
      <ErrorNote error={action.error} />
      {result && (
        <div>
          <p>
            <strong>{result.key}</strong> on <strong>{result.name}</strong>:{" "}
            {result.peek.allowed ? "would be allowed" : "would be denied"}, {result.peek.remaining} left.
          </p>
          <ul>
            {result.peek.limits.map((l) => (
              <li key={l.name}>
                {l.name} ({l.algorithm}): {l.remaining} of {l.quota} left, full again in{" "}
                {formatDuration(l.resetMs)}
                {l.retryAfterMs === null
                  ? ", never passes (the cost exceeds this limit)"
                  : l.retryAfterMs > 0
                    ? `, retry after ${formatDuration(l.retryAfterMs)}`
                    : ""}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Section>
  );
}

export function RateLimits() {
  const { client, identity } = useDashboard();
  const admin = identity.role === "admin";
  const list = useLoad(
    () =>
      admin
        ? client.request<{ limiters: Limiter[] }>("GET", "/v1/ratelimits")
        : Promise.resolve({ limiters: [] }),
    [admin],
    ["ratelimits"],
  );
  if (!admin) return <AdminOnly what="Seeing rate limiters" />;
  const limiters = list.data?.limiters ?? [];
  return (
    <>
      <Section title="Limiters seen by this service">
        <ErrorNote error={list.error} />
        <p class="muted">
          Limits travel with each call, so this service knows the limiters called through it, with the limits
          last sent. Rates are over the last minute.
        </p>
        <DataTable
          label="Rate limiters"
          columns={["Limiter", "Limits", "Allowed", "Denied", "Last call"]}
          isEmpty={limiters.length === 0 && !list.loading}
          empty="No rate limiter has been called through this service yet."
        >
          {limiters.map((l) => (
            <tr key={l.name}>
              <th scope="row">{l.name}</th>
              <td>{l.limits.map(describeLimit).join("; ")}</td>
              <td class="num">
                {formatRate(l.allowedPerSec)} <span class="muted">({l.allowed} in all)</span>
              </td>
              <td class={l.deniedPerSec > 0 ? "num bad" : "num"}>
                {formatRate(l.deniedPerSec)} <span class="muted">({l.denied} in all)</span>
              </td>
              <td>{formatTime(l.lastSeenAt)}</td>
            </tr>
          ))}
        </DataTable>
      </Section>
      <KeyLookup limiters={limiters} />
    </>
  );
}
