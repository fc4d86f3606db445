import { useState } from "preact/hooks";
import { AdminOnly, ConfirmAction, Countdown, Json, LookupCard, PrefixTable } from "../components";
import { seg, useDashboard } from "../context";
import { useAction, usePrefixList } from "../hooks";
import { announce } from "../live";
import type { LockInfo } from "../api";

// The service's reply schema, as a type only: the bundle takes nothing of the server.

function LockLookup() {
  const { client } = useDashboard();
  const [found, setFound] = useState<{ name: string; info: LockInfo | null; at: number }>();
  const action = useAction();
  return (
    <LookupCard
      title="Look up a lock"
      field={{ id: "lock-name", label: "Lock name" }}
      action={action}
      error={action.error}
      lookup={async (name) => {
        try {
          const info = await client.request<LockInfo>("GET", `/v1/locks/${seg(name)}`);
          setFound({ name, info, at: Date.now() });
        } catch (e) {
          if ((e as { status?: number }).status === 404) setFound({ name, info: null, at: Date.now() });
          else throw e;
        }
      }}
    >
      {found &&
        (found.info ? (
          <p>
            <strong>{found.name}</strong> is held ({found.info.mode}), fence {found.info.fence},{" "}
            <Countdown remainingMs={found.info.remainingTtlMs} at={found.at} label="time left" /> left.
          </p>
        ) : (
          <p>
            <strong>{found.name}</strong> is not locked.
          </p>
        ))}
    </LookupCard>
  );
}

export function Locks() {
  const { client, identity } = useDashboard();
  const admin = identity.role === "admin";
  const [confirm, setConfirm] = useState<LockInfo>();
  const [released, setReleased] = useState<Record<string, number>>({});
  const action = useAction();
  const held = usePrefixList<LockInfo>("/v1/locks", "locks", ["locks"], admin);
  if (!admin) {
    return (
      <AdminOnly what="Listing locks">
        <LockLookup />
      </AdminOnly>
    );
  }
  const { prefix } = held;
  return (
    <>
      <PrefixTable
        title="Held locks"
        label="Held locks"
        filter={{ id: "lock-prefix", label: "Name starts with" }}
        list={held}
        columns={["Name", "Mode", "Fence", "Owner metadata", "Time left", "Action"]}
        empty={`No lock is held${prefix ? ` with a name starting with “${prefix}”` : ""} on this page.`}
        error={action.error}
      >
        {held.rows.map((l) => (
          <tr key={l.key} data-lock={l.key}>
            <th scope="row">{l.key}</th>
            <td>{l.mode === "read" ? `read (${l.readers} readers)` : "write"}</td>
            <td class="num">
              <span class="fence">{l.fence}</span>
              {released[l.key] !== undefined && l.fence > released[l.key] && (
                <span class="badge ok" title={`force-released at fence ${released[l.key]}`}>
                  higher than {released[l.key]} ✓
                </span>
              )}
            </td>
            <td>
              <Json value={l.metadata} />
            </td>
            <td>
              <Countdown remainingMs={l.remainingTtlMs} at={held.list.at} label={`${l.key} time left`} />
            </td>
            <td>
              <button
                type="button"
                class="danger"
                onClick={() => setConfirm(l)}
                aria-label={`Force-release ${l.key}`}
              >
                Force release
              </button>
            </td>
          </tr>
        ))}
      </PrefixTable>
      {Object.keys(released).length > 0 && (
        <p class="note" role="status">
          Force-released:{" "}
          {Object.entries(released)
            .map(([k, f]) => `${k} (fence ${f})`)
            .join(", ")}
          . The next holder of each gets a higher fence, so a write fenced by the old holder is refused.
        </p>
      )}
      {confirm && (
        <ConfirmAction
          title={`Force-release “${confirm.key}”?`}
          confirmLabel="Force release"
          danger
          close={() => setConfirm(undefined)}
          action={action}
          act={async () => {
            await client.request("DELETE", `/v1/locks/${seg(confirm.key)}`);
            setReleased((r) => ({ ...r, [confirm.key]: confirm.fence }));
            announce(["locks"], [confirm.key]);
          }}
        >
          <p>
            Its holder (fence {confirm.fence}) loses the lock at once and is not told: its next refresh fails.
            The next holder gets a fence higher than {confirm.fence}.
          </p>
        </ConfirmAction>
      )}
      <LockLookup />
    </>
  );
}
