import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { type PrefixList, useNow } from "./hooks";

/** `m:ss` (or `h:mm:ss`) of a duration in ms, rounded up to the second. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

export function formatRate(perSec: number): string {
  return perSec >= 10 ? `${Math.round(perSec)}/s` : `${perSec.toFixed(perSec === 0 ? 0 : 2)}/s`;
}

/** Time left of something that had `remainingMs` at `at` (a Date.now()), counting down live. */
export function Countdown({ remainingMs, at, label }: { remainingMs: number; at: number; label?: string }) {
  const now = useNow(250);
  const left = remainingMs - (now - at);
  return (
    <span
      class={left <= 0 ? "countdown expired" : "countdown"}
      aria-label={label ? `${label}: ${formatDuration(left)} left` : undefined}
    >
      {left <= 0 ? "expired" : formatDuration(left)}
    </span>
  );
}

export function ErrorNote({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

export function Section({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="card" aria-label={title}>
      <div class="card-head">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** A confirmation in a modal `<dialog>` (focus stays inside; Escape cancels). */
export function Confirm(props: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby="confirm-title"
      onCancel={(e) => (e.preventDefault(), props.onCancel())}
    >
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div class="row end">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={props.danger ? "danger" : "primary"} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/**
 * The confirmation of an admin action: confirming closes the dialog, then runs `act` through
 * `action` (whose error the view shows); cancelling only closes it.
 */
export function ConfirmAction(props: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  close(): void;
  action: { run(fn: () => Promise<unknown>): Promise<boolean> };
  act(): Promise<unknown>;
}) {
  return (
    <Confirm
      title={props.title}
      confirmLabel={props.confirmLabel}
      danger={props.danger}
      onCancel={props.close}
      onConfirm={() => {
        props.close();
        void props.action.run(props.act);
      }}
    >
      {props.children}
    </Confirm>
  );
}

/** Pages of a cursor listing: "Next page" while there is one, "First page" once past it. */
export function Pager(props: {
  page: number;
  nextCursor: string | null | undefined;
  onNext(c: string): void;
  onFirst(): void;
}) {
  return (
    <nav class="row pager" aria-label="Pages">
      <span>Page {props.page}</span>
      {props.page > 1 && (
        <button type="button" onClick={props.onFirst}>
          First page
        </button>
      )}
      {props.nextCursor && (
        <button type="button" onClick={() => props.onNext(props.nextCursor!)}>
          Next page
        </button>
      )}
    </nav>
  );
}

/** A text filter applied after the user stops typing for a moment. */
export function Filter(props: {
  id: string;
  label: string;
  value: string;
  onChange(v: string): void;
  placeholder?: string;
}) {
  const [text, setText] = useState(props.value);
  useEffect(() => {
    const t = setTimeout(() => text !== props.value && props.onChange(text), 300);
    return () => clearTimeout(t);
  }, [text]);
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="search"
        value={text}
        placeholder={props.placeholder}
        onInput={(e) => setText(e.currentTarget.value)}
      />
    </div>
  );
}

/** A one-field (or more) lookup form. */
export function Lookup(props: {
  fields: { id: string; label: string; placeholder?: string }[];
  button: string;
  onSubmit(values: Record<string, string>): void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  return (
    <form
      class="row lookup"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(values);
      }}
    >
      {props.fields.map((f) => (
        <div class="field" key={f.id}>
          <label for={f.id}>{f.label}</label>
          <input
            id={f.id}
            required
            placeholder={f.placeholder}
            value={values[f.id] ?? ""}
            onInput={(e) => setValues({ ...values, [f.id]: e.currentTarget.value })}
          />
        </div>
      ))}
      <button type="submit">{props.button}</button>
    </form>
  );
}

/**
 * A card looking one name up: the one-field form (its lookup runs through `action`), `error` when
 * the view shows it here, then what was found (`children`).
 */
export function LookupCard(props: {
  title: string;
  field: { id: string; label: string };
  action: { run(fn: () => Promise<unknown>): Promise<boolean> };
  lookup(name: string): Promise<unknown>;
  error?: string;
  children?: ComponentChildren;
}) {
  return (
    <Section title={props.title}>
      <Lookup
        fields={[props.field]}
        button="Look up"
        onSubmit={(v) => void props.action.run(() => props.lookup(v[props.field.id]))}
      />
      <ErrorNote error={props.error} />
      {props.children}
    </Section>
  );
}

export function Json({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <span class="muted">—</span>;
  return <code class="json">{JSON.stringify(value)}</code>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted empty">{children}</p>;
}

/** A note for a client key where the view needs an admin key, then what a client key may use (`children`). */
export function AdminOnly({ what, children }: { what: string; children?: ComponentChildren }) {
  return (
    <>
      <p class="note">{what} needs an admin key. This key is a client key: use the lookup below.</p>
      {children}
    </>
  );
}

/**
 * A card listing one page of a {@link usePrefixList}: a "starts with" filter, the error, the table
 * (or `empty` once loaded with no row), `notes` under it, and the pager.
 */
export function PrefixTable<T>(props: {
  title: string;
  /** The table's aria-label. */
  label: string;
  filter: { id: string; label: string };
  list: PrefixList<T>;
  columns: string[];
  empty: ComponentChildren;
  /** An action's error, shown when the listing has none. */
  error?: string;
  notes?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { list: loaded, pages, rows } = props.list;
  return (
    <Section
      title={props.title}
      actions={
        <Filter
          id={props.filter.id}
          label={props.filter.label}
          value={props.list.prefix}
          onChange={props.list.setPrefix}
        />
      }
    >
      <ErrorNote error={loaded.error ?? props.error} />
      <DataTable
        label={props.label}
        columns={props.columns}
        isEmpty={rows.length === 0 && !loaded.loading}
        empty={props.empty}
      >
        {props.children}
      </DataTable>
      {props.notes}
      <Pager
        page={pages.page}
        nextCursor={loaded.data?.nextCursor}
        onNext={pages.next}
        onFirst={pages.first}
      />
    </Section>
  );
}

/**
 * A data table: one header row of `columns`, then `children` (the body's rows); or, when
 * `isEmpty`, the `empty` note instead.
 */
export function DataTable(props: {
  label: string;
  columns: string[];
  compact?: boolean;
  /** aria-live of a table that updates by itself. */
  live?: "off" | "polite";
  isEmpty?: boolean;
  empty?: ComponentChildren;
  children: ComponentChildren;
}) {
  if (props.isEmpty) return <Empty>{props.empty}</Empty>;
  return (
    <table class={props.compact ? "data compact" : "data"} aria-label={props.label} aria-live={props.live}>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}
