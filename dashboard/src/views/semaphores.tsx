import { useState } from "preact/hooks";
import { AdminOnly, Countdown, Json, LookupCard, PrefixTable } from "../components";
import { seg, useDashboard } from "../context";
import { useAction, usePrefixList } from "../hooks";
import type { SemaphoreList, SemaphoreHolders } from "../api";

type SemaphoreRow = SemaphoreList["semaphores"][number];
/** A holder as the listing or the lookup answers it. */
type Holder = SemaphoreRow["holders"][number] | SemaphoreHolders["holders"][number];

function Holders({ holders, at }: { holders: Holder[]; at: number }) {
  return (
    <ul class="holders">
      {holders.map((h, i) => (
        <li key={i}>
          <Countdown remainingMs={h.remainingTtlMs} at={at} label="permit expires in" />{" "}
          <Json value={h.metadata} />
        </li>
      ))}
    </ul>
  );
}

function SemaphoreLookup() {
  const { client } = useDashboard();
  const [found, setFound] = useState<{ name: string; count: number; holders: Holder[]; at: number }>();
  const action = useAction();
  return (
    <LookupCard
      title="Look up a semaphore"
      field={{ id: "sem-name", label: "Semaphore name" }}
      action={action}
      error={action.error}
      lookup={async (name) => {
        const r = await client.request<SemaphoreHolders>("GET", `/v1/semaphores/${seg(name)}/holders`);
        setFound({ ...r, name, at: Date.now() });
      }}
    >
      {found && (
        <div>
          <p>
            <strong>{found.name}</strong>: {found.count} permit{found.count === 1 ? "" : "s"} held.
          </p>
          <Holders holders={found.holders} at={found.at} />
        </div>
      )}
    </LookupCard>
  );
}

export function Semaphores() {
  const { identity } = useDashboard();
  const admin = identity.role === "admin";
  const list = usePrefixList<SemaphoreRow>("/v1/semaphores", "semaphores", ["semaphores"], admin);
  if (!admin) {
    return (
      <AdminOnly what="Listing semaphores">
        <SemaphoreLookup />
      </AdminOnly>
    );
  }
  return (
    <>
      <PrefixTable
        title="Semaphores and concurrency limits"
        label="Semaphores"
        filter={{ id: "sem-prefix", label: "Name starts with" }}
        list={list}
        columns={["Name", "Kind", "Permits used", "Holders (soonest expiry first)"]}
        empty="No permit is held on this page."
        notes={
          <p class="muted">
            “?”: the limit travels with each acquire; it is shown once this service has seen one.
          </p>
        }
      >
        {list.rows.map((s) => (
          <tr key={`${s.group}:${s.name}`}>
            <th scope="row">{s.name}</th>
            <td>{s.group === "semaphore" ? "semaphore" : "concurrency limit"}</td>
            <td class="num">
              {s.count} / {s.limit ?? "?"}
              {s.limit !== null && (
                <meter min={0} max={s.limit} value={s.count} aria-label={`${s.name} permits used`} />
              )}
            </td>
            <td>
              <Holders holders={s.holders} at={list.list.at} />
              {s.count > s.holders.length && <span class="muted">and {s.count - s.holders.length} more</span>}
            </td>
          </tr>
        ))}
      </PrefixTable>
      <SemaphoreLookup />
    </>
  );
}
