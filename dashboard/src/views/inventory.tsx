import { useState } from "preact/hooks";
import {
  AdminOnly,
  ConfirmAction,
  Countdown,
  DataTable,
  ErrorNote,
  LookupCard,
  PrefixTable,
  Section,
} from "../components";
import { seg, useDashboard } from "../context";
import { useAction, useLoad, usePrefixList } from "../hooks";
import { announce } from "../live";
import type { Item, ItemList, ItemHolds } from "../api";

type ItemRow = ItemList["items"][number];

/** available | held | sold as one bar against the total, each part labelled in text too. */
export function StockBar({ s }: { s: Item }) {
  const pct = (n: number) => `${s.total > 0 ? (n / s.total) * 100 : 0}%`;
  return (
    <div class="stock" data-item={s.item}>
      <div
        class="bar"
        role="img"
        aria-label={`${s.item}: ${s.available} available, ${s.held} held, ${s.sold} sold of ${s.total}`}
      >
        <span class="seg available" style={{ width: pct(s.available) }} />
        <span class="seg held" style={{ width: pct(s.held) }} />
        <span class="seg sold" style={{ width: pct(s.sold) }} />
      </div>
      <div class="legend">
        <span class="key available">available {s.available}</span> <span class="key held">held {s.held}</span>{" "}
        <span class="key sold">sold {s.sold}</span> <span>of {s.total}</span>
      </div>
    </div>
  );
}

function Invariant({ s }: { s: Item }) {
  const ok = s.available + s.held + s.sold === s.total && s.available >= 0;
  return (
    <span class={ok ? "badge ok" : "badge bad"}>
      {ok ? "✓" : "✗"} {s.available} + {s.held} + {s.sold} {ok ? "=" : "≠"} {s.total}
    </span>
  );
}

function Holds({ item }: { item: string }) {
  const { client } = useDashboard();
  const h = useLoad(
    () => client.request<ItemHolds>("GET", `/v1/inventory/items/${seg(item)}/holds?limit=50`),
    [item],
    ["inventory"],
  );
  const holds = h.data?.holds ?? [];
  return (
    <Section title={`Active holds of ${item}`}>
      <ErrorNote error={h.error} />
      <DataTable
        label={`Holds of ${item}`}
        columns={["Holder", "Units", "Expires in", "Hold id"]}
        isEmpty={holds.length === 0}
        empty="No live hold."
      >
        {holds.map((l) => (
          <tr key={l.holdId}>
            <th scope="row">{l.holder}</th>
            <td class="num">{l.quantity}</td>
            <td>
              <Countdown remainingMs={l.expiresIn} at={h.at} label="hold expires in" />
            </td>
            <td>
              <code>{l.holdId}</code>
            </td>
          </tr>
        ))}
      </DataTable>
      {h.data?.more && <p class="muted">More holds follow (soonest expiry shown first).</p>}
    </Section>
  );
}

function Adjust({ item, onDone }: { item: Item; onDone(): void }) {
  const { client } = useDashboard();
  const [delta, setDelta] = useState("");
  const [confirm, setConfirm] = useState(false);
  const action = useAction();
  const n = Number(delta);
  return (
    <form
      class="row"
      onSubmit={(e) => (e.preventDefault(), Number.isInteger(n) && n !== 0 && setConfirm(true))}
    >
      <div class="field">
        <label for={`adjust-${item.item}`}>Adjust total of {item.item} by</label>
        <input
          id={`adjust-${item.item}`}
          type="number"
          step={1}
          required
          value={delta}
          onInput={(e) => setDelta(e.currentTarget.value)}
        />
      </div>
      <button type="submit">Adjust stock</button>
      <ErrorNote error={action.error} />
      {confirm && (
        <ConfirmAction
          title={`Change the total of “${item.item}” by ${n > 0 ? `+${n}` : n}?`}
          confirmLabel="Adjust"
          close={() => setConfirm(false)}
          action={action}
          act={async () => {
            await client.request("POST", `/v1/inventory/items/${seg(item.item)}/adjust`, { delta: n });
            setDelta("");
            announce(["inventory"], [item.item]);
            onDone();
          }}
        >
          <p>
            Total {item.total} becomes {item.total + n}. A decrease never takes back held or sold units: more
            than the {item.available} available is refused whole.
          </p>
        </ConfirmAction>
      )}
    </form>
  );
}

export function Inventory() {
  const { client, identity } = useDashboard();
  const admin = identity.role === "admin";
  const [selected, setSelected] = useState<string>();
  const [looked, setLooked] = useState<Item>();
  const action = useAction();
  const list = usePrefixList<ItemRow>("/v1/inventory/items", "items", ["inventory"], admin);
  const lookup = (
    <LookupCard
      title="Look up an item"
      field={{ id: "item-name", label: "Item" }}
      action={action}
      error={action.error}
      lookup={async (name) =>
        setLooked(await client.request<Item>("GET", `/v1/inventory/items/${seg(name)}`))
      }
    >
      {looked && (
        <div>
          <StockBar s={looked} /> <Invariant s={looked} />
        </div>
      )}
    </LookupCard>
  );
  if (!admin) return <AdminOnly what="Listing items, their holds and adjusting stock">{lookup}</AdminOnly>;
  const items = list.rows;
  return (
    <>
      <PrefixTable
        title="Items"
        label="Items"
        filter={{ id: "item-prefix", label: "Item starts with" }}
        list={list}
        columns={["Item", "Stock", "Invariant (available + held + sold = total)", "Details"]}
        empty="No item on this page."
      >
        {items.map((s) => (
          <tr key={s.item}>
            <th scope="row">{s.item}</th>
            <td class="wide">
              <StockBar s={s} />
            </td>
            <td>
              <Invariant s={s} />
            </td>
            <td>
              <button
                type="button"
                aria-pressed={selected === s.item}
                onClick={() => setSelected(selected === s.item ? undefined : s.item)}
              >
                {selected === s.item ? "Hide holds" : "Holds and stock"}
              </button>
            </td>
          </tr>
        ))}
      </PrefixTable>
      {selected && items.find((i) => i.item === selected) && (
        <>
          <Holds item={selected} />
          <Section title={`Adjust stock of ${selected}`}>
            <Adjust item={items.find((i) => i.item === selected)!} onDone={list.list.reload} />
          </Section>
        </>
      )}
      {lookup}
    </>
  );
}
