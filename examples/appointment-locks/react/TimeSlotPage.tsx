/// <reference lib="dom" />
/**
 * Seed 004's `TimeSlotPage`, on `holdfast/react`'s `useLock` instead of the seed's hand-written
 * `useLockManager`: the same names, destructured from the hook (see README.md for the mapping).
 * The countdown comes from the server's `expiresIn` on a monotonic clock, so the seed's "Lock
 * expired immediately: check time synchronisation" cannot happen; the slot is released when the
 * page unmounts or goes away, and refreshed every `refreshEveryMs` while held.
 */
import { useCallback, useEffect, useState } from "react";
import { isHoldfastApiError, LockHolder } from "holdfast/client";
import { useLock } from "holdfast/react";
import { postJson, seedLockTransport, type Slot } from "./seed-transport.js";

export interface TimeSlotPageProps {
  tenantId: string;
  resourceId: string;
  date: string;
  /** Lease length, in ms (the server's LOCK_TTL decides; this is what refreshes ask for). */
  ttlMs: number;
  /** Refresh the held slot this often, in ms (seed: LOCK_REFRESH_INTERVAL). */
  refreshEveryMs: number;
}

interface SlotRow {
  startTime: string;
  status: "free" | "held" | "booked";
}

const endOf = (startTime: string) => `${String(Number(startTime.slice(0, 2)) + 1).padStart(2, "0")}:00`;

export function TimeSlotPage({ tenantId, resourceId, date, ttlMs, refreshEveryMs }: TimeSlotPageProps) {
  const {
    acquire: acquireLock,
    release: releaseLock,
    refresh: extendLock,
    lease: lockData,
    isLocked,
    formatRemainingTime,
    error,
    status,
  } = useLock((slot: Slot) => new LockHolder(seedLockTransport(slot, ttlMs), { ttlMs, refreshEveryMs }));
  const [slots, setSlots] = useState<SlotRow[]>([]);
  const [heldTime, setHeldTime] = useState<string>();
  const [notice, setNotice] = useState("");
  const [booked, setBooked] = useState("");

  const loadSlots = useCallback(async () => {
    const q = new URLSearchParams({ tenantId, resourceId, date });
    const res = await fetch(`/api/slots?${q}`);
    setSlots(((await res.json()) as { slots: SlotRow[] }).slots);
  }, [tenantId, resourceId, date]);

  useEffect(() => {
    void loadSlots();
    const timer = setInterval(() => void loadSlots(), 5000);
    return () => clearInterval(timer);
  }, [loadSlots]);

  useEffect(() => {
    if (status === "lost") setNotice("Your reservation expired. Please select a time slot again.");
  }, [status]);

  const handleSlotClick = async (startTime: string) => {
    setNotice("");
    setBooked("");
    const result = await acquireLock({ tenantId, resourceId, date, startTime, duration: 60 });
    if (result.status === "held") setHeldTime(startTime);
    else if (result.status === "conflict") {
      setNotice("This slot is being booked by someone else. Please choose another.");
    }
    await loadSlots();
  };

  const createBooking = async (form: FormData) => {
    if (!lockData || !heldTime) return;
    try {
      const r = await postJson<{ appointment: { startTime: string; date: string; customerName: string } }>(
        "/api/appointments",
        {
          lockId: lockData.lockId,
          tenantId,
          specialistId: resourceId,
          serviceId: "service-1",
          date,
          startTime: heldTime,
          endTime: endOf(heldTime),
          customerName: form.get("customerName"),
          customerEmail: form.get("customerEmail"),
          price: 50,
          duration: 60,
        },
      );
      const a = r.appointment;
      setBooked(`Booked ${a.startTime} on ${a.date} for ${a.customerName}.`);
      // Booking released the lock on the server; stop refreshing and counting down here.
      await releaseLock();
      setHeldTime(undefined);
    } catch (e) {
      setNotice(
        isHoldfastApiError(e) && e.status === 409
          ? "Your reservation expired. Please select a time slot again."
          : `Booking failed: ${(e as Error).message}`,
      );
    }
    await loadSlots();
  };

  const message = notice || (error ? error.message : "");
  return (
    <div data-ready="true" id="page">
      <h1>Book an appointment</h1>
      <p>
        Specialist <strong>{resourceId}</strong> on <strong>{date}</strong>. Pick a time: it is held for you
        while you check out.
      </p>
      {isLocked && (
        <div className="lock-timer" id="timer">
          Your slot is reserved for: <span id="remaining">{formatRemainingTime()}</span>
        </div>
      )}
      {message && (
        <div className="error-message" id="error">
          {message}
        </div>
      )}
      <div className="slots" id="slots">
        {slots.map((slot) => {
          const mine = isLocked && heldTime === slot.startTime;
          const label = mine ? " (yours)" : slot.status === "free" ? "" : ` (${slot.status})`;
          return (
            <button
              key={slot.startTime}
              type="button"
              className="slot"
              data-time={slot.startTime}
              data-status={mine ? "mine" : slot.status}
              disabled={slot.status !== "free" && !mine}
              onClick={() => void handleSlotClick(slot.startTime)}
            >
              {slot.startTime}
              {label}
            </button>
          );
        })}
      </div>
      {isLocked && (
        <form
          id="checkout"
          onSubmit={(ev) => {
            ev.preventDefault();
            void createBooking(new FormData(ev.currentTarget));
          }}
        >
          <label>
            Name <input name="customerName" defaultValue="John Doe" required />
          </label>
          <label>
            Email <input name="customerEmail" type="email" defaultValue="john@example.com" required />
          </label>
          <button className="action" type="submit" id="book">
            Book
          </button>
          <button className="action" type="button" id="more-time" onClick={() => void extendLock()}>
            Need more time
          </button>
          <button
            className="action"
            type="button"
            id="cancel"
            onClick={() => void releaseLock().then(() => loadSlots())}
          >
            Cancel
          </button>
        </form>
      )}
      {booked && (
        <div className="done" id="done">
          {booked}
        </div>
      )}
    </div>
  );
}
