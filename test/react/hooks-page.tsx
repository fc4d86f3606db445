/// <reference lib="dom" />
/**
 * The page the hooks' browser tests drive (bundled by the test, React's development build, in
 * StrictMode so effects mount twice). It reads its settings from the URL and shows everything the
 * test checks as data attributes:
 * - `#lock`: a `useLock` on the Holdfast service (`?key=&ttlMs=&refreshEveryMs=`), with buttons
 *   to acquire, refresh, release and unmount it; `data-naive-ms` is what a countdown from
 *   `expiresAt - Date.now()` would show (wrong on a skewed clock);
 * - `#channel`: a `useChannel` on `?channel=` with every message, the statuses seen and any gap.
 */
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { ChannelClient, HoldfastClient } from "holdfast/client";
import { useChannel, useLock } from "holdfast/react";

const params = new URLSearchParams(location.search);
const key = params.get("key") ?? "page-lock";
const ttlMs = Number(params.get("ttlMs") ?? 120_000);
const refreshEveryMs = Number(params.get("refreshEveryMs") ?? 30_000);
const channel = params.get("channel");

const client = new HoldfastClient({ baseUrl: location.origin });
const channels = new ChannelClient({ url: location.origin, initialDelayMs: 50, maxDelayMs: 200 });

function LockPanel() {
  const lock = useLock((k: string) => client.holdLock(k, { ttlMs, refreshEveryMs }));
  const naive = lock.lease ? lock.lease.expiresAt - Date.now() : 0;
  return (
    <div
      id="lock"
      data-status={lock.status}
      data-remaining-ms={lock.remainingMs}
      data-naive-ms={naive}
      data-fence={lock.fence ?? ""}
      data-conflict-ms={lock.state.status === "conflict" ? lock.state.remainingTtlMs : ""}
      data-error={lock.error?.message ?? ""}
    >
      <span id="remaining">{lock.formatRemainingTime()}</span>
      <button id="acquire" onClick={() => void lock.acquire(key)}>
        acquire
      </button>
      <button id="acquire-bad" onClick={() => void lock.acquire("")}>
        acquire a bad key
      </button>
      <button id="refresh" onClick={() => void lock.refresh()}>
        refresh
      </button>
      <button id="release" onClick={() => void lock.release()}>
        release
      </button>
    </div>
  );
}

function ChannelPanel({ name }: { name: string }) {
  const [statuses, setStatuses] = useState<string[]>([]);
  const feed = useChannel<{ n: number }>(channels, name, { keep: 100 });
  useEffect(() => {
    setStatuses((s) => (s[s.length - 1] === feed.status ? s : [...s, feed.status]));
  }, [feed.status]);
  return (
    <div
      id="channel"
      data-status={feed.status}
      data-statuses={statuses.join(",")}
      data-subscribed={String(feed.subscribed)}
      data-count={feed.messages.length}
      data-gap={feed.gap ? feed.gap.reason : ""}
      data-error={feed.error?.message ?? ""}
    >
      <ol>
        {feed.messages.map((m) => (
          <li key={m.id} data-id={m.id ?? ""} data-n={m.data.n} />
        ))}
      </ol>
    </div>
  );
}

function Page() {
  const [mounted, setMounted] = useState(true);
  return (
    <>
      {mounted && <LockPanel />}
      <button id="unmount" onClick={() => setMounted(false)}>
        unmount
      </button>
      {channel && <ChannelPanel name={channel} />}
    </>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Page />
  </StrictMode>,
);
document.body.dataset.ready = "true";
