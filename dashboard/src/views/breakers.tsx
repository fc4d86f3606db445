import { useState } from "preact/hooks";
import {
  AdminOnly,
  ConfirmAction,
  Countdown,
  ErrorNote,
  formatTime,
  LookupCard,
  PrefixTable,
} from "../components";
import { seg, useDashboard } from "../context";
import { useAction, usePrefixList } from "../hooks";
import { announce } from "../live";
import type { BreakerList, Breaker } from "../api";

type BreakerRow = BreakerList["breakers"][number];
type BreakerEvent = BreakerRow["history"][number];

const ACTIONS = {
  trip: {
    label: "Force open",
    say: "opens it for every instance: calls fail fast until its open time is over, then one probe goes through",
  },
  isolate: {
    label: "Isolate",
    say: "holds it open for every instance until someone closes it (maintenance)",
  },
  reset: { label: "Close", say: "closes it for every instance: calls go through again" },
} as const;
type Act = keyof typeof ACTIONS;

function State({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

function History({ events }: { events: BreakerEvent[] }) {
  if (events.length === 0) return <span class="muted">none seen yet</span>;
  return (
    <ol class="history">
      {events
        .slice()
        .reverse()
        .map((e, i) => (
          <li key={i}>
            {formatTime(e.at)} <State state={e.state} /> {e.via === "admin" ? "(admin)" : "(seen)"}
            {e.missed ? <span class="muted"> after {e.missed} unseen</span> : null}
          </li>
        ))}
    </ol>
  );
}

export function Breakers() {
  const { client, identity } = useDashboard();
  const admin = identity.role === "admin";
  const [confirm, setConfirm] = useState<{ name: string; act: Act }>();
  const [looked, setLooked] = useState<Breaker>();
  const action = useAction();
  const list = usePrefixList<BreakerRow>("/v1/breakers", "breakers", ["breakers"], admin);
  const lookup = (
    <LookupCard
      title="Look up a breaker"
      field={{ id: "breaker-name", label: "Breaker name" }}
      action={action}
      lookup={async (name) => setLooked(await client.request<Breaker>("GET", `/v1/breakers/${seg(name)}`))}
    >
      {looked && (
        <p>
          <strong>{looked.name}</strong>: <State state={looked.state.kind} />
        </p>
      )}
    </LookupCard>
  );
  if (!admin) {
    return (
      <AdminOnly what="Listing breakers and forcing them open or closed">
        <ErrorNote error={action.error} />
        {lookup}
      </AdminOnly>
    );
  }
  return (
    <>
      <PrefixTable
        title="Shared breakers"
        label="Breakers"
        filter={{ id: "breaker-prefix", label: "Name starts with" }}
        list={list}
        columns={["Breaker", "State", "Failed probes", "History", "Actions"]}
        empty={
          <>
            No breaker has stored state on this page (a breaker that never tripped, or stayed idle past its
            state TTL, reads as closed).
          </>
        }
        error={action.error}
      >
        {list.rows.map((b) => (
          <tr key={b.name} data-breaker={b.name}>
            <th scope="row">{b.name}</th>
            <td class="state">
              <State state={b.state} />
              {b.state === "open" && (
                <>
                  {" "}
                  probe in <Countdown remainingMs={b.remainingOpenMs} at={list.list.at} label="probe in" />
                </>
              )}
            </td>
            <td class="num">{b.attempt}</td>
            <td>
              <History events={b.history} />
            </td>
            <td class="actions">
              {(Object.keys(ACTIONS) as Act[]).map((act) => (
                <button
                  key={act}
                  type="button"
                  class={act === "reset" ? "" : "danger"}
                  onClick={() => setConfirm({ name: b.name, act })}
                  aria-label={`${ACTIONS[act].label} ${b.name}`}
                >
                  {ACTIONS[act].label}
                </button>
              ))}
            </td>
          </tr>
        ))}
      </PrefixTable>
      {confirm && (
        <ConfirmAction
          title={`${ACTIONS[confirm.act].label} “${confirm.name}”?`}
          confirmLabel={ACTIONS[confirm.act].label}
          danger={confirm.act !== "reset"}
          close={() => setConfirm(undefined)}
          action={action}
          act={async () => {
            const c = confirm;
            await client.request(
              "POST",
              `/v1/breakers/${seg(c.name)}/${c.act}`,
              c.act === "trip" ? {} : undefined,
            );
            announce(["breakers"], [c.name]);
          }}
        >
          <p>
            This {ACTIONS[confirm.act].say}. Library processes sharing the breaker follow within their sync
            interval.
          </p>
        </ConfirmAction>
      )}
      {lookup}
    </>
  );
}
