import { useRef, useState } from "preact/hooks";
import { AdminOnly, DataTable, Empty, ErrorNote, formatTime, Json, Pager, Section } from "../components";
import { seg, useDashboard } from "../context";
import { useAction, useLoad, usePages } from "../hooks";
import type { MachineList, EntityList, MachineHistory } from "../api";

type MachineRow = MachineList["machines"][number];

/** Counts per state over every entity, one bounded page per request, with progress and a stop. */
function CountAll({ machine, states }: { machine: string; states: string[] }) {
  const { client } = useDashboard();
  const [counts, setCounts] = useState<Record<string, number>>();
  const [done, setDone] = useState(0);
  const [running, setRunning] = useState(false);
  const stop = useRef(false);
  const action = useAction();
  const start = () =>
    void action.run(async () => {
      stop.current = false;
      setRunning(true);
      const acc: Record<string, number> = {};
      let n = 0;
      let cursor: string | null = null;
      try {
        do {
          const page: EntityList = await client.request(
            "GET",
            `/v1/machines/${seg(machine)}/entities?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
          );
          for (const [s, c] of Object.entries(page.counts)) acc[s] = (acc[s] ?? 0) + c;
          n += page.entities.length;
          setCounts({ ...acc });
          setDone(n);
          cursor = page.nextCursor;
        } while (cursor && !stop.current);
      } finally {
        setRunning(false);
      }
    });
  const all = [...new Set([...states, ...Object.keys(counts ?? {})])];
  return (
    <div>
      <div class="row">
        <button type="button" onClick={start} disabled={running}>
          Count every entity by state
        </button>
        {running && (
          <button type="button" onClick={() => (stop.current = true)}>
            Stop
          </button>
        )}
        <span role="status" aria-live="polite">
          {counts ? `${done} entities counted${running ? "…" : ""}` : ""}
        </span>
      </div>
      <ErrorNote error={action.error} />
      {counts && (
        <DataTable compact label={`${machine} entities by state`} columns={all}>
          <tr>
            {all.map((s) => (
              <td class="num" key={s}>
                {counts[s] ?? 0}
              </td>
            ))}
          </tr>
        </DataTable>
      )}
    </div>
  );
}

function Entities({ m, onPick }: { m: MachineRow; onPick(id: string): void }) {
  const { client } = useDashboard();
  const pages = usePages();
  const list = useLoad(
    () =>
      client.request<EntityList>(
        "GET",
        `/v1/machines/${seg(m.machine)}/entities?limit=50${pages.cursor ? `&cursor=${pages.cursor}` : ""}`,
      ),
    [m.machine, pages.cursor],
    ["machines"],
  );
  const rows = list.data?.entities ?? [];
  return (
    <Section title={`Entities of ${m.machine}`}>
      <ErrorNote error={list.error} />
      <p>
        This page by state:{" "}
        {Object.entries(list.data?.counts ?? {})
          .map(([s, c]) => `${s} ${c}`)
          .join(", ") || "none"}
      </p>
      <CountAll machine={m.machine} states={m.states} />
      <DataTable
        label={`Entities of ${m.machine}`}
        columns={["Entity", "State", "Version", "Last change"]}
        isEmpty={rows.length === 0 && !list.loading}
        empty="No entity on this page."
      >
        {rows.map((e) => (
          <tr key={e.id}>
            <th scope="row">
              <button type="button" class="link" onClick={() => onPick(e.id)}>
                {e.id}
              </button>
            </th>
            <td>{e.state}</td>
            <td class="num">{e.version}</td>
            <td>{formatTime(e.updatedAt)}</td>
          </tr>
        ))}
      </DataTable>
      <Pager page={pages.page} nextCursor={list.data?.nextCursor} onNext={pages.next} onFirst={pages.first} />
    </Section>
  );
}

function EntityHistory({ machine, id }: { machine: string; id: string }) {
  const { client } = useDashboard();
  const h = useLoad(
    () =>
      client.request<MachineHistory>(
        "GET",
        `/v1/machines/${seg(machine)}/entities/${seg(id)}/history?order=desc&limit=100`,
      ),
    [machine, id],
    ["machines"],
  );
  return (
    <Section title={`History of ${machine} / ${id}`}>
      <ErrorNote error={h.error} />
      <DataTable
        label={`History of ${id}`}
        columns={["Version", "Event", "Transition", "At", "Actor", "Data"]}
      >
        {(h.data?.history ?? []).map((e) => (
          <tr key={e.historyId}>
            <td class="num">{e.version}</td>
            <td>{e.event}</td>
            <td>
              {e.from ?? "∅"} → {e.to}
            </td>
            <td>{formatTime(e.at)}</td>
            <td>{e.actor ?? <span class="muted">—</span>}</td>
            <td>
              <Json value={e.data} />
            </td>
          </tr>
        ))}
      </DataTable>
    </Section>
  );
}

export function Machines() {
  const { client, identity } = useDashboard();
  const admin = identity.role === "admin";
  const [selected, setSelected] = useState<string>();
  const [entity, setEntity] = useState<{ machine: string; id: string }>();
  const [form, setForm] = useState({ machine: "", id: "" });
  const list = useLoad(
    () =>
      admin
        ? client.request<MachineList>("GET", "/v1/machines?limit=200")
        : Promise.resolve({ machines: [], nextCursor: null }),
    [admin],
    ["machines"],
  );
  const machines = list.data?.machines ?? [];
  const current = machines.find((m) => m.machine === selected);
  return (
    <>
      {admin ? (
        <Section title="Machines">
          <ErrorNote error={list.error} />
          {machines.length === 0 && !list.loading ? (
            <Empty>
              No machine definition is stored for this tenant (machines defined only in code: look their
              entities up below).
            </Empty>
          ) : (
            <ul class="chips">
              {machines.map((m) => (
                <li key={m.machine}>
                  <button
                    type="button"
                    aria-pressed={m.machine === selected}
                    onClick={() => setSelected(m.machine)}
                  >
                    {m.machine} <span class="muted">({m.states.join(", ")})</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Section>
      ) : (
        <AdminOnly what="Listing machines and counting entities" />
      )}
      {current && <Entities m={current} onPick={(id) => setEntity({ machine: current.machine, id })} />}
      <Section title="An entity's history">
        <form class="row lookup" onSubmit={(e) => (e.preventDefault(), setEntity({ ...form }))}>
          <div class="field">
            <label for="m-name">Machine</label>
            <input
              id="m-name"
              required
              value={form.machine}
              onInput={(e) => setForm({ ...form, machine: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="m-id">Entity id</label>
            <input
              id="m-id"
              required
              value={form.id}
              onInput={(e) => setForm({ ...form, id: e.currentTarget.value })}
            />
          </div>
          <button type="submit">Show history</button>
        </form>
      </Section>
      {entity && <EntityHistory machine={entity.machine} id={entity.id} />}
    </>
  );
}
