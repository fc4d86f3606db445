// The booking page of seed 004, on holdfast/client's LockHolder: acquire, auto-refresh, a live
// countdown measured from the server's expiresIn (immune to a skewed browser clock), and booking
// with the lockId.
import { LockHolder, HoldfastApiError } from "/sdk/index.js";

const params = new URLSearchParams(location.search);
const tenantId = params.get("tenant") ?? "test-tenant";
const resourceId = params.get("specialist") ?? "specialist-1";
const date = params.get("date") ?? "2025-03-10";
const ttlMs = Number(params.get("ttlMs") ?? 120000);
const $ = (id) => document.getElementById(id);
$("specialist").textContent = resourceId;
$("date").textContent = date;

let holder = null;
let heldTime = null;
let ticker = null;

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) {
    // Map the seed's shapes onto the SDK's error codes.
    const code =
      json.reason === "slot_locked"
        ? "HOLDFAST_LOCK_CONFLICT"
        : json.reason === "lock_expired"
          ? "HOLDFAST_LOCK_NOT_OWNED"
          : json.reason;
    throw new HoldfastApiError(
      res.status,
      { error: { code, message: json.message, remainingTtlMs: json.remainingTTL } },
      res.headers.get("retry-after"),
    );
  }
  return json;
}

function transportFor(startTime) {
  const slot = { tenantId, resourceId, date, startTime };
  const lease = (r) => ({
    key: startTime,
    lockId: r.lockId,
    token: r.lockId,
    fence: r.fence ?? 0,
    ttlMs,
    expiresIn: r.expiresIn,
    expiresAt: r.expiresAt,
  });
  return {
    acquire: async () => lease(await post("/api/locks/acquire", { ...slot, duration: 60 })),
    refresh: async (token) => lease(await post("/api/locks/refresh", { ...slot, lockId: token })),
    release: async (token) => {
      await post("/api/locks/release", { ...slot, lockId: token });
    },
  };
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

async function loadSlots() {
  const res = await fetch(
    `/api/slots?tenantId=${encodeURIComponent(tenantId)}&resourceId=${encodeURIComponent(resourceId)}&date=${date}`,
  );
  const { slots } = await res.json();
  const box = $("slots");
  box.replaceChildren();
  for (const s of slots) {
    const b = document.createElement("button");
    b.className = "slot";
    b.type = "button";
    b.dataset.time = s.startTime;
    const mine = heldTime === s.startTime && s.status === "held";
    b.dataset.status = mine ? "mine" : s.status;
    b.textContent = `${s.startTime}${mine ? " (yours)" : s.status === "held" ? " (held)" : s.status === "booked" ? " (booked)" : ""}`;
    b.disabled = s.status !== "free" && !mine;
    b.addEventListener("click", () => hold(s.startTime));
    box.append(b);
  }
}

function render() {
  const held = holder?.state.status === "held";
  $("timer").hidden = !held;
  $("checkout").hidden = !held;
  if (held) $("remaining").textContent = holder.formatRemainingTime();
}

async function hold(startTime) {
  showError("");
  if (holder) await holder.release().catch(() => {});
  holder = new LockHolder(transportFor(startTime), { ttlMs, refreshEveryMs: window.REFRESH_INTERVAL_MS });
  holder.onChange((s) => {
    if (s.status === "lost") showError("Your reservation expired. Please select a time slot again.");
    render();
  });
  let state;
  try {
    state = await holder.acquire();
  } catch (e) {
    // `slot_booked`: booked since this list was loaded; anything else: the service is unreachable.
    holder = null;
    showError(
      e.code === "slot_booked"
        ? "This slot has just been booked. Please choose another."
        : `Could not hold the slot: ${e.message}`,
    );
    await loadSlots();
    return;
  }
  if (state.status === "conflict") {
    showError(
      `This slot is being booked by someone else. Please choose another (free again in ${Math.ceil(state.remainingTtlMs / 1000)} s at most).`,
    );
    holder = null;
  } else heldTime = startTime;
  clearInterval(ticker);
  ticker = setInterval(() => {
    render();
    if (holder && holder.state.status === "held" && holder.remainingMs() === 0)
      showError("Your reservation expired. Please select a time slot again.");
  }, 250);
  render();
  await loadSlots();
}

$("more-time").addEventListener("click", async () => {
  await holder?.refresh();
  render();
});
$("cancel").addEventListener("click", async () => {
  await holder?.release();
  holder = null;
  heldTime = null;
  render();
  await loadSlots();
});
$("checkout").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  try {
    const r = await post("/api/appointments", {
      lockId: holder.lockId,
      tenantId,
      specialistId: resourceId,
      serviceId: "service-1",
      date,
      startTime: heldTime,
      endTime: `${String(Number(heldTime.slice(0, 2)) + 1).padStart(2, "0")}:00`,
      customerName: form.get("customerName"),
      customerEmail: form.get("customerEmail"),
      price: 50,
      duration: 60,
    });
    $("done").textContent =
      `Booked ${r.appointment.startTime} on ${r.appointment.date} for ${r.appointment.customerName}.`;
    $("done").hidden = false;
    holder = null;
    heldTime = null;
  } catch (e) {
    showError(
      e.status === 409
        ? "Your reservation expired. Please select a time slot again."
        : `Booking failed: ${e.message}`,
    );
  }
  render();
  await loadSlots();
});

await loadSlots();
setInterval(loadSlots, 5000);
document.body.dataset.ready = "true";
