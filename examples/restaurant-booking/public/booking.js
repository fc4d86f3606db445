// Seed 000's booking form. Before it books, the page picks the booking's id and subscribes to the
// booking's channel over the /live WebSocket (Holdfast's gateway), so every state-machine transition
// appears as the pipeline commits it; when the booking settles it reads the booking once, to show
// the full history even if the socket missed something. No polling, no third-party code.

const $ = (id) => document.getElementById(id);
const FIELDS = {
  restaurant_id: "restaurant",
  booking_date: "date",
  start_time: "time",
  party_size: "party",
  customer_name: "name",
  customer_email: "email",
  customer_phone: "phone",
};
const SETTLED = new Set(["confirmed", "rejected", "assignment_failed"]);
const RETRYABLE = new Set([
  "tables_taken",
  "circuit_open",
  "assignment_error",
  "concurrency_limit",
  "hold_expired",
]);
const REASONS = {
  no_capacity:
    "No table, or pair of adjacent tables, seats your party at that time. Try another time or a smaller party.",
  tables_taken: "Every table that fits was just taken by other bookings.",
  circuit_open: "The table assignment service is failing; it is given a moment to recover.",
  assignment_error: "The table assignment failed.",
  concurrency_limit: "The restaurant is assigning many tables right now.",
  hold_expired: "The table reservation expired before it was confirmed.",
};

let restaurants = [];
/** The booking being followed: its id, socket, last message id, and the versions shown. */
let follow = null;

function hhmm(minutes) {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
const minutesOf = (t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** A random (version 4) UUID; crypto.getRandomValues works on plain http too. */
function newBookingId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function fillTimes() {
  const r = restaurants.find((x) => x.id === $("restaurant").value);
  const select = $("time");
  const previous = select.value || "19:00";
  select.replaceChildren();
  if (!r) return;
  for (let m = minutesOf(r.opensAt); m + r.turnMinutes <= minutesOf(r.closesAt); m += 30) {
    select.append(new Option(hhmm(m), hhmm(m)));
  }
  select.value = [...select.options].some((o) => o.value === previous) ? previous : select.options[0].value;
  $("time-hint").textContent =
    `Open ${r.opensAt}–${r.closesAt}; a table is yours for ${r.turnMinutes} minutes.`;
}

function setLive(text) {
  $("live").textContent = text ? `(${text})` : "";
}

function describe(b, reason) {
  if (b.state === "confirmed")
    return `Confirmed: table ${b.tables.join(" + ")} for ${b.party_size} at ${b.start_time} on ${b.booking_date}.`;
  if (b.state === "rejected") return REASONS[reason ?? b.failure_reason] ?? "The booking was rejected.";
  if (b.state === "assignment_failed")
    return `Not assigned: ${REASONS[reason ?? b.failure_reason] ?? "the assignment failed."}`;
  return `In progress: ${b.state.replaceAll("_", " ")}…`;
}

/** Shows a transition in the history, once, in version order. */
function showTransition(t) {
  if (!follow || t.booking_id !== follow.bookingId || follow.versions.has(t.version)) return;
  follow.versions.add(t.version);
  const li = document.createElement("li");
  li.dataset.version = String(t.version);
  li.dataset.to = t.to;
  const time = new Date(t.at).toLocaleTimeString();
  const event = t.event === "$create" ? "create" : t.event;
  li.textContent = `v${t.version} ${event}: ${t.from ?? "(new)"} → ${t.to}  ${time}`;
  const list = $("history");
  const after = [...list.children].find((x) => Number(x.dataset.version) > t.version);
  list.insertBefore(li, after ?? null);
  // The newest state, until the booking itself is read.
  if (t.version >= follow.latest) {
    follow.latest = t.version;
    if (!follow.settled) {
      $("state").textContent = t.to;
      $("state").dataset.state = t.to;
      $("assignment").hidden = false;
      if (!SETTLED.has(t.to)) $("status").textContent = `In progress: ${t.to.replaceAll("_", " ")}…`;
    }
  }
}

function showBooking(b, reason) {
  follow.settled = SETTLED.has(b.state);
  $("assignment").hidden = false;
  $("state").textContent = b.state;
  $("state").dataset.state = b.state;
  $("tables").textContent = b.tables?.join(" + ") ?? "—";
  $("score").textContent = typeof b.score === "number" ? b.score.toFixed(2) : "—";
  $("booking-id").textContent = b.id;
  $("status").textContent = describe(b, reason);
  $("retry").hidden = !(b.state === "assignment_failed" && RETRYABLE.has(reason ?? b.failure_reason));
}

/** Subscribes to the booking's channel; resolves true once subscribed, false if it cannot be. */
function subscribe(f) {
  return new Promise((resolve) => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/live`);
    f.ws = ws;
    const timer = setTimeout(() => resolve(false), 3000);
    ws.onopen = () => {
      ws.send(
        JSON.stringify({
          type: "subscribe",
          channel: `booking:${f.bookingId}`,
          id: "booking",
          ...(f.lastId ? { since: f.lastId } : {}),
        }),
      );
    };
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "ack" && frame.id === "booking") {
        clearTimeout(timer);
        f.delay = 250;
        setLive("live");
        resolve(true);
      } else if (frame.type === "message") {
        f.lastId = frame.id;
        showTransition(frame.data);
      } else if (frame.type === "gap") void readBooking(f);
      else if (frame.type === "error" && frame.id === "booking") {
        clearTimeout(timer);
        resolve(false);
      }
    };
    ws.onclose = () => {
      clearTimeout(timer);
      resolve(false);
      if (follow !== f || f.stopped) return;
      // Resume where it stopped: the channel keeps its history, `since` skips what was shown.
      setLive("reconnecting…");
      setTimeout(() => follow === f && !f.stopped && void subscribe(f), f.delay);
      f.delay = Math.min(f.delay * 2, 5000);
    };
  });
}

function stopFollowing() {
  if (!follow) return;
  follow.stopped = true;
  follow.ws?.close();
  follow = null;
}

/** Reads the booking and its whole history once (after it settles, or after a gap). */
async function readBooking(f, reason) {
  const res = await fetch(`/api/bookings/${f.bookingId}`);
  if (!res.ok || follow !== f) return;
  const { booking, history } = await res.json();
  for (const h of history) showTransition({ ...h, booking_id: f.bookingId });
  showBooking(booking, reason);
}

function showFormError(json) {
  const target = json.field && FIELDS[json.field] ? $(FIELDS[json.field]) : null;
  $("form-error").textContent = json.message ?? "The booking could not be made.";
  $("form-error").hidden = false;
  if (target) {
    target.setAttribute("aria-invalid", "true");
    target.setAttribute("aria-errormessage", "form-error");
    target.focus();
  }
}

function clearFormError() {
  $("form-error").hidden = true;
  $("form-error").textContent = "";
  for (const id of Object.values(FIELDS)) {
    $(id).removeAttribute("aria-invalid");
    $(id).removeAttribute("aria-errormessage");
  }
}

/** Sends `request` for the followed booking and shows what it settles to. */
async function settle(f, request) {
  const res = await request();
  const json = await res.json().catch(() => ({}));
  if (follow !== f) return;
  if (json.booking) {
    showBooking(json.booking, json.reason);
    await readBooking(f, json.reason);
  } else if (res.status === 400 || res.status === 404 || res.status === 409) {
    $("result").hidden = true;
    stopFollowing();
    showFormError(json);
    return;
  } else {
    $("status").textContent =
      json.message ?? `The booking service answered ${res.status}. Try again shortly.`;
  }
  $("result-title").focus();
}

$("booking").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFormError();
  const form = event.currentTarget;
  if (!form.reportValidity()) return;
  const data = Object.fromEntries(new FormData(form));
  const body = { ...data, party_size: Number(data.party_size), booking_id: newBookingId() };

  stopFollowing();
  const f = { bookingId: body.booking_id, versions: new Set(), latest: 0, delay: 250, settled: false };
  follow = f;
  $("history").replaceChildren();
  $("assignment").hidden = true;
  $("retry").hidden = true;
  $("status").textContent = "Booking…";
  $("result").hidden = false;
  $("submit").disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    // Subscribed before the booking exists, so no transition is missed; without the socket the
    // history is shown once the booking settles.
    if (!(await subscribe(f))) setLive("not live: shown when the booking settles");
    await settle(f, () =>
      fetch("/api/bookings", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  } catch (e) {
    $("status").textContent =
      `The booking could not be sent: ${e.message}. Check your connection and try again.`;
  } finally {
    $("submit").disabled = false;
    form.removeAttribute("aria-busy");
  }
});

$("retry").addEventListener("click", async () => {
  const f = follow;
  if (!f) return;
  $("retry").hidden = true;
  f.settled = false;
  $("status").textContent = "Trying the assignment again…";
  await settle(f, () => fetch(`/api/bookings/${f.bookingId}/process`, { method: "POST" }));
});

for (const id of Object.values(FIELDS))
  $(id).addEventListener("input", () => {
    $(id).removeAttribute("aria-invalid");
    $(id).removeAttribute("aria-errormessage");
  });

const res = await fetch("/api/restaurants");
restaurants = (await res.json()).restaurants;
for (const r of restaurants) $("restaurant").append(new Option(r.name, r.id));
$("restaurant").addEventListener("change", fillTimes);
fillTimes();
const tomorrow = new Date(Date.now() + 86_400_000);
$("date").value = [
  tomorrow.getFullYear(),
  String(tomorrow.getMonth() + 1).padStart(2, "0"),
  String(tomorrow.getDate()).padStart(2, "0"),
].join("-");
document.body.dataset.ready = "true";
