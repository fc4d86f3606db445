import { useRef, useState } from "preact/hooks";
import { ConfirmAction, DataTable, ErrorNote, formatTime, Section } from "../components";
import { useDashboard } from "../context";
import { useAction, useLoad } from "../hooks";
import { announce } from "../live";
import type { KeyList, KeyCreated } from "../api";

type KeyRow = KeyList["keys"][number];

/** The new key's secret, shown once, selectable, with a copy button. */
function Secret({ secret, onDone }: { secret: string; onDone(): void }) {
  const ref = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  return (
    <div class="secret" role="alert">
      <p>
        <strong>Copy this key now: it is shown once.</strong> Only its SHA-256 is stored.
      </p>
      <div class="row">
        <label for="new-secret" class="visually-hidden">
          New API key
        </label>
        <input id="new-secret" ref={ref} readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          onClick={() => {
            ref.current?.select();
            navigator.clipboard?.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

export function Keys() {
  const { client, identity } = useDashboard();
  const list = useLoad(() => client.request<KeyList>("GET", "/v1/keys"), [], ["keys"]);
  const [name, setName] = useState("");
  const [role, setRole] = useState<"client" | "admin">("client");
  const [secret, setSecret] = useState<string>();
  const [revoke, setRevoke] = useState<KeyRow>();
  const action = useAction();
  const keys = list.data?.keys ?? [];
  return (
    <>
      <Section title={`Create a key for tenant ${identity.tenant}`}>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              const r = await client.request<KeyCreated>("POST", "/v1/keys", {
                name,
                role,
              });
              setSecret(r.key);
              setName("");
              announce(["keys"]);
            });
          }}
        >
          <div class="field">
            <label for="key-name">Name</label>
            <input
              id="key-name"
              required
              maxLength={64}
              value={name}
              placeholder="booking-service"
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="key-role">Role</label>
            <select
              id="key-role"
              value={role}
              onChange={(e) => setRole(e.currentTarget.value as "client" | "admin")}
            >
              <option value="client">client: calls the primitives</option>
              <option value="admin">admin: also lists, forces and manages keys</option>
            </select>
          </div>
          <button type="submit" class="primary" disabled={action.busy}>
            Create key
          </button>
        </form>
        {secret && <Secret secret={secret} onDone={() => setSecret(undefined)} />}
        {identity.open && (
          <p class="note">
            This service runs open (no API keys, loopback only). Once a key exists it requires keys (within
            the key cache time): copy an admin key before you leave this page, then sign in with it.
          </p>
        )}
      </Section>
      <Section title="Keys of this tenant">
        <ErrorNote error={list.error ?? action.error} />
        <DataTable
          label="API keys"
          columns={["Name", "Id", "Role", "Tenants", "Created", "Status"]}
          isEmpty={keys.length === 0 && !list.loading}
          empty="No key serves this tenant."
        >
          {keys.map((k) => (
            <tr key={k.id}>
              <th scope="row">
                {k.name || <span class="muted">unnamed</span>}{" "}
                {k.current && <span class="badge">this key</span>}
              </th>
              <td>
                <code>{k.id}</code>
              </td>
              <td>{k.role}</td>
              <td>{k.tenants.join(", ")}</td>
              <td>{formatTime(k.createdAt)}</td>
              <td>
                {k.revokedAt ? (
                  <span class="badge bad">revoked {formatTime(k.revokedAt)}</span>
                ) : (
                  <button
                    type="button"
                    class="danger"
                    onClick={() => setRevoke(k)}
                    aria-label={`Revoke key ${k.name || k.id}`}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      </Section>
      {revoke && (
        <ConfirmAction
          title={`Revoke “${revoke.name || revoke.id}”?`}
          confirmLabel="Revoke"
          danger
          close={() => setRevoke(undefined)}
          action={action}
          act={async () => {
            await client.request("POST", `/v1/keys/${revoke.id}/revoke`);
            announce(["keys"]);
          }}
        >
          <p>Every server refuses it within the key cache time (5 s by default). This cannot be undone.</p>
          {revoke.current && (
            <p class="error">This is the key you are signed in with: you will be signed out.</p>
          )}
        </ConfirmAction>
      )}
    </>
  );
}
