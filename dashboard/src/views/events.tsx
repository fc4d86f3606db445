import { useEffect, useState } from "preact/hooks";
import { ChannelClient, type ReceivedMessage } from "holdfast/client";
import {
  AdminOnly,
  DataTable,
  Empty,
  ErrorNote,
  formatTime,
  Json,
  Lookup,
  Pager,
  Section,
} from "../components";
import { seg, useDashboard } from "../context";
import { useLoad, usePages } from "../hooks";
import type { EventRecord, ChannelList, ChannelRecent, EventSources, EventList, WsToken } from "../api";

/** A channel with history (it has a last message), or one with live subscribers only (it has none). */
type ChannelRow = ChannelList["channels"][number] | (ChannelList["live"][number] & { lastAt?: undefined });
type RecentMessage = ChannelRecent["messages"][number];
/** A message as shown: from the recent page, or received live (an ephemeral channel's has no id). */
type Message = Omit<RecentMessage, "id"> & { id: string | null };

function EventTail() {
  const { client } = useDashboard();
  const [source, setSource] = useState("");
  const [type, setType] = useState("");
  const [paused, setPaused] = useState(false);
  const sources = useLoad(() => client.request<EventSources>("GET", "/v1/events/sources"), [], ["events"]);
  const q = `order=desc&limit=50${source ? `&source=${encodeURIComponent(source)}` : ""}${type ? `&type=${encodeURIComponent(type)}` : ""}`;
  const events = useLoad(
    () => client.request<EventList>("GET", `/v1/events?${q}`),
    [q, paused],
    paused ? [] : ["events"],
  );
  const [shown, setShown] = useState<EventRecord[]>([]);
  useEffect(() => {
    if (!paused && events.data) setShown(events.data.events);
  }, [events.data, paused]);
  return (
    <Section title="Event log (newest first)">
      <div class="row">
        <div class="field">
          <label for="ev-source">Source</label>
          <select id="ev-source" value={source} onChange={(e) => setSource(e.currentTarget.value)}>
            <option value="">every source</option>
            {(sources.data?.sources ?? []).map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ev-type">Type</label>
          <input
            id="ev-type"
            value={type}
            placeholder="any"
            onChange={(e) => setType(e.currentTarget.value.trim())}
          />
        </div>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? "Resume" : "Pause"}
        </button>
      </div>
      <ErrorNote error={events.error ?? sources.error} />
      <DataTable
        label="Events"
        live={paused ? "off" : "polite"}
        columns={["At", "Source", "Type", "Context"]}
        isEmpty={shown.length === 0}
        empty="No event matches."
      >
        {shown.map((e) => (
          <tr key={e.id}>
            <td>{formatTime(e.at)}</td>
            <td>{e.source}</td>
            <td>{e.type}</td>
            <td>
              <Json value={e.context} />
            </td>
          </tr>
        ))}
      </DataTable>
    </Section>
  );
}

/** The newest messages of one channel, then every new one as it arrives over the WebSocket gateway. */
function ChannelTail({ channel }: { channel: string }) {
  const { client } = useDashboard();
  const [messages, setMessages] = useState<Message[]>([]);
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState("connecting");
  useEffect(() => {
    let closed = false;
    // Each connection (and reconnection) gets its own short-lived, subscribe-only token.
    const ws = new ChannelClient({
      url: location.origin,
      token: async () =>
        (
          await client.request<WsToken>("POST", "/v1/ws-tokens", {
            ttlMs: 60_000,
            channels: [channel],
            publish: false,
          })
        ).token,
    });
    ws.onStatus((s) => !closed && setStatus(s));
    const add = (m: ReceivedMessage) =>
      !closed &&
      setMessages((ms) =>
        [{ id: m.id, data: m.data, at: m.id ? Number(m.id.split("-")[0]) : Date.now() }, ...ms].slice(0, 100),
      );
    void (async () => {
      let since: string | undefined;
      try {
        const r = await client.request<ChannelRecent>("GET", `/v1/channels/${seg(channel)}/recent?limit=20`);
        if (!closed) setMessages(r.messages);
        since = r.messages[0]?.id ?? undefined;
      } catch (e) {
        // An ephemeral channel keeps no history: follow it live only.
        if ((e as { status?: number }).status !== 409) setError((e as Error).message);
      }
      try {
        await ws.subscribe(channel, add, since ? { since } : {});
      } catch (e) {
        if (!closed) setError((e as Error).message);
      }
    })();
    return () => {
      closed = true;
      ws.close();
    };
  }, [channel]);
  return (
    <Section title={`Messages of ${channel}`}>
      <p class="muted" role="status">
        Live over the WebSocket gateway: {status}.
      </p>
      <ErrorNote error={error} />
      {messages.length === 0 ? (
        <Empty>No message yet.</Empty>
      ) : (
        <ol class="messages">
          {messages.map((m, i) => (
            <li key={m.id ?? `e${i}`}>
              <span class="muted">{m.at ? formatTime(m.at) : ""}</span> <Json value={m.data} />
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}

function Channels({ onPick }: { onPick(c: string): void }) {
  const { client } = useDashboard();
  const pages = usePages();
  const list = useLoad(
    () =>
      client.request<ChannelList>(
        "GET",
        `/v1/channels?limit=50${pages.cursor ? `&cursor=${pages.cursor}` : ""}`,
      ),
    [pages.cursor],
    ["channels"],
  );
  const rows: ChannelRow[] = [...(list.data?.channels ?? []), ...(list.data?.live ?? [])];
  return (
    <Section title="Channels">
      <ErrorNote error={list.error} />
      <DataTable
        label="Channels"
        columns={["Channel", "Subscribers here", "Messages / minute", "Last message"]}
        isEmpty={rows.length === 0 && !list.loading}
        empty="No channel with history or subscribers on this page."
      >
        {rows.map((c) => (
          <tr key={c.channel}>
            <th scope="row">
              <button type="button" class="link" onClick={() => onPick(c.channel)}>
                {c.channel}
              </button>
            </th>
            <td class="num">{c.subscribers}</td>
            <td class="num">{c.perMinute >= 100 ? "≥ 100" : c.perMinute}</td>
            <td>{c.lastAt ? formatTime(c.lastAt) : <span class="muted">no history</span>}</td>
          </tr>
        ))}
      </DataTable>
      <Pager page={pages.page} nextCursor={list.data?.nextCursor} onNext={pages.next} onFirst={pages.first} />
    </Section>
  );
}

export function EventsAndChannels() {
  const { identity } = useDashboard();
  const [channel, setChannel] = useState<string>();
  return (
    <>
      <EventTail />
      {identity.role === "admin" ? <Channels onPick={setChannel} /> : <AdminOnly what="Listing channels" />}
      <Section title="Follow a channel">
        <Lookup
          fields={[{ id: "channel-name", label: "Channel" }]}
          button="Follow"
          onSubmit={(v) => setChannel(v["channel-name"])}
        />
      </Section>
      {channel && <ChannelTail key={channel} channel={channel} />}
    </>
  );
}
