import { useState } from "preact/hooks";
import { AdminOnly, ErrorNote, formatDuration, PrefixTable, Section } from "../components";
import { seg, useDashboard } from "../context";
import { useAction, usePrefixList } from "../hooks";
import type { RoomList, RoomPosition } from "../api";

type Room = RoomList["rooms"][number];

function PositionLookup() {
  const { client } = useDashboard();
  const [room, setRoom] = useState("");
  const [user, setUser] = useState("");
  const [found, setFound] = useState<{ room: string; user: string; p: RoomPosition }>();
  const action = useAction();
  return (
    <Section title="A user's position">
      <form
        class="row lookup"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const p = await client.request<RoomPosition>(
              "GET",
              `/v1/waiting-rooms/${seg(room)}/peek?user=${encodeURIComponent(user)}`,
            );
            setFound({ room, user, p });
          });
        }}
      >
        <div class="field">
          <label for="room-name">Room</label>
          <input id="room-name" required value={room} onInput={(e) => setRoom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="room-user">User</label>
          <input id="room-user" required value={user} onInput={(e) => setUser(e.currentTarget.value)} />
        </div>
        <button type="submit">Look up</button>
      </form>
      <ErrorNote error={action.error} />
      {found && (
        <p>
          <strong>{found.user}</strong> in <strong>{found.room}</strong>:{" "}
          {found.p.state === "queued"
            ? `position ${found.p.position} of ${found.p.length} (${found.p.ahead} ahead)`
            : found.p.state === "admitted"
              ? `admitted, for ${formatDuration(found.p.expiresInMs)} more`
              : "not in line (never joined, left, or dropped for missing heartbeats)"}
        </p>
      )}
    </Section>
  );
}

export function Rooms() {
  const { identity } = useDashboard();
  const admin = identity.role === "admin";
  const list = usePrefixList<Room>("/v1/waiting-rooms", "rooms", ["rooms"], admin);
  if (!admin) {
    return (
      <AdminOnly what="Listing waiting rooms">
        <PositionLookup />
      </AdminOnly>
    );
  }
  // A room can come once from its line and once from its admissions: keep one row per room.
  const rooms = [...new Map(list.rows.map((r) => [r.room, r])).values()];
  return (
    <>
      <PrefixTable
        title="Waiting rooms"
        label="Waiting rooms"
        filter={{ id: "room-prefix", label: "Room starts with" }}
        list={list}
        columns={["Room", "In line", "Admitted (live)", "Admissions per minute"]}
        empty="No room with users in line or admitted on this page."
        notes={
          <p class="muted">
            Admissions per minute: those made through this service's admit route over the last minute.
          </p>
        }
      >
        {rooms.map((r) => (
          <tr key={r.room}>
            <th scope="row">{r.room}</th>
            <td class="num">{r.queued}</td>
            <td class="num">{r.admitted}</td>
            <td class="num">{r.admittedPerMin}</td>
          </tr>
        ))}
      </PrefixTable>
      <PositionLookup />
    </>
  );
}
