/** What one flash-sale process saw happen: in-process counts, also exported as Prometheus counters. */

import { appCounter as counter } from "../support/metrics.js";

const metrics = {
  reserved: counter("flashsale_reservations_total", "Seed 001 app: reservations (holds) placed."),
  confirmed: counter("flashsale_units_sold_total", "Seed 001 app: units sold (confirmed reservations)."),
  released: counter("flashsale_reservations_cancelled_total", "Seed 001 app: reservations cancelled."),
  expired: counter(
    "flashsale_units_expired_total",
    "Seed 001 app: units of lapsed reservations given back to stock (reclaimed by this process).",
  ),
};

export class FlashSaleStats {
  holdsPlaced = 0;
  unitsSold = 0;
  holdsReleased = 0;
  /** Hold lines whose TTL ran out and whose units this process gave back to stock. */
  holdsExpired = 0;
  unitsExpired = 0;

  reserved(): void {
    this.holdsPlaced++;
    metrics.reserved.inc();
  }

  confirmed(units: number): void {
    this.unitsSold += units;
    metrics.confirmed.inc(units);
  }

  released(): void {
    this.holdsReleased++;
    metrics.released.inc();
  }

  expired(units: number): void {
    this.holdsExpired++;
    this.unitsExpired += units;
    metrics.expired.inc(units);
  }
}
