import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { ErrorNote } from "./components";
import { Ctx, type DashboardContext } from "./context";
import { announce, LiveStream, type LiveStatus } from "./live";
import {
  clearSession,
  clientFor,
  describeError,
  loadSession,
  saveSession,
  type Identity,
  type Session,
} from "./session";
import { Overview, type Series } from "./views/overview";
import { Locks } from "./views/locks";
import { Semaphores } from "./views/semaphores";
import { RateLimits } from "./views/ratelimits";
import { Breakers } from "./views/breakers";
import { Inventory } from "./views/inventory";
import { Rooms } from "./views/rooms";
import { Machines } from "./views/machines";
import { EventsAndChannels } from "./views/events";
import { Keys } from "./views/keys";

const VIEWS = [
  { id: "overview", title: "Overview" },
  { id: "locks", title: "Locks" },
  { id: "semaphores", title: "Semaphores" },
  { id: "ratelimits", title: "Rate limits" },
  { id: "breakers", title: "Breakers" },
  { id: "inventory", title: "Inventory" },
  { id: "rooms", title: "Waiting rooms" },
  { id: "machines", title: "State machines" },
  { id: "events", title: "Events & channels" },
  { id: "keys", title: "Keys", admin: true },
] as const;
type ViewId = (typeof VIEWS)[number]["id"];

function viewFromHash(): ViewId {
  const id = location.hash.replace(/^#\/?/, "");
  return (VIEWS.find((v) => v.id === id)?.id ?? "overview") as ViewId;
}

/** Asks the service who this key is; the answer is also the proof that the key works. */
async function identify(s: Session): Promise<Identity> {
  const o = await clientFor(s).request<Identity>("GET", "/v1/dashboard/overview");
  return { tenant: o.tenant, role: o.role, open: o.open };
}

function SignIn({ onSignedIn, message }: { onSignedIn(s: Session, id: Identity): void; message?: string }) {
  const [key, setKey] = useState("");
  const [tenant, setTenant] = useState("");
  const [error, setError] = useState(message);
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin">
      <h1>Holdfast dashboard</h1>
      <p>Sign in with an API key. It is kept for this tab only and sent with every request.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          const s = { key: key.trim(), tenant: tenant.trim() };
          identify(s)
            .then((id) => onSignedIn(s, id))
            .catch((err: unknown) => setError(`Sign-in failed: ${describeError(err)}`))
            .finally(() => setBusy(false));
        }}
      >
        <div class="field">
          <label for="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            placeholder="hf_…"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="tenant">Tenant (only for a key that serves several)</label>
          <input
            id="tenant"
            autocomplete="off"
            value={tenant}
            onInput={(e) => setTenant(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}

function Shell({
  ctx,
  view,
  status,
  series,
}: {
  ctx: DashboardContext;
  view: ViewId;
  status: LiveStatus;
  series: Series | undefined;
}) {
  const { identity } = ctx;
  const visible = VIEWS.filter((v) => !("admin" in v) || identity.role === "admin");
  const current = visible.find((v) => v.id === view) ?? visible[0];
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">Holdfast</span>
        <span>
          Tenant <strong>{identity.tenant}</strong>
        </span>
        <span class={`badge role-${identity.role}`}>{identity.role}</span>
        {identity.open && <span class="badge warn">open service (no API keys, loopback only)</span>}
        <span class={`live live-${status}`} role="status" aria-live="polite">
          {status === "live"
            ? "Live"
            : status === "connecting"
              ? "Connecting…"
              : status === "reconnecting"
                ? "Reconnecting…"
                : "Offline"}
        </span>
        <button type="button" class="signout" onClick={() => ctx.signOut()}>
          Sign out
        </button>
      </header>
      <nav class="side" aria-label="Views">
        <ul>
          {visible.map((v) => (
            <li key={v.id}>
              <a href={`#/${v.id}`} aria-current={v.id === current.id ? "page" : undefined}>
                {v.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main class="content" id="main">
        <h1>{current.title}</h1>
        {current.id === "overview" && <Overview series={series} />}
        {current.id === "locks" && <Locks />}
        {current.id === "semaphores" && <Semaphores />}
        {current.id === "ratelimits" && <RateLimits />}
        {current.id === "breakers" && <Breakers />}
        {current.id === "inventory" && <Inventory />}
        {current.id === "rooms" && <Rooms />}
        {current.id === "machines" && <Machines />}
        {current.id === "events" && <EventsAndChannels />}
        {current.id === "keys" && <Keys />}
      </main>
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [message, setMessage] = useState<string>();
  const [view, setView] = useState<ViewId>(viewFromHash);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [series, setSeries] = useState<Series>();

  const signOut = useCallback((why?: string) => {
    clearSession();
    setSession(null);
    setIdentity(null);
    setMessage(why ? `Signed out: ${why}` : undefined);
  }, []);

  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  // A reload keeps the tab's session: check it again before showing anything.
  useEffect(() => {
    if (session && !identity) identify(session).then(setIdentity, (e: unknown) => signOut(describeError(e)));
  }, [session]);

  useEffect(() => {
    if (!session || !identity) return;
    const live = new LiveStream(
      session,
      (e) => {
        if (e.type === "hello")
          setSeries({ values: e.data.series, sampleMs: e.data.sampleMs, endAt: e.data.now });
        else if (e.type === "sample") {
          setSeries((s) => {
            if (!s) return s;
            const values: Record<string, number[]> = {};
            for (const [k, arr] of Object.entries(s.values))
              values[k] = [...arr, e.data.values[k] ?? 0].slice(-150);
            return { ...s, values, endAt: e.data.at };
          });
        } else if (e.type === "change") announce(e.data.kinds, e.data.names);
      },
      setStatus,
      () => signOut("the service no longer accepts this key"),
    );
    live.start();
    return () => live.stop();
  }, [session, identity]);

  const ctx = useMemo<DashboardContext | null>(
    () => (session && identity ? { session, identity, client: clientFor(session), signOut } : null),
    [session, identity, signOut],
  );

  if (!session) {
    return (
      <SignIn
        message={message}
        onSignedIn={(s, id) => {
          saveSession(s);
          setSession(s);
          setIdentity(id);
          setMessage(undefined);
        }}
      />
    );
  }
  if (!ctx) return <p class="loading">Checking the key…</p>;
  return (
    <Ctx.Provider value={ctx}>
      <Shell ctx={ctx} view={view} status={status} series={series} />
    </Ctx.Provider>
  );
}
