/**
 * The two kinds of bearer string the flash sale hands out:
 * - login tokens: `<base64url(userId)>.<32 random bytes>`, opaque, stored only as a SHA-256 hash
 *   by Holdfast's sessions (24 h TTL). The user prefix is only a lookup hint (one round trip
 *   instead of two): a token with a forged prefix finds no session, since the store is the truth.
 * - reservation ids: `<holdId>.<HMAC(secret, userId + holdId)>`, so that only the buyer who placed a
 *   hold can confirm or cancel it, without a lookup table.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A new login token for `userId`. */
export function newLoginToken(userId: string): string {
  return `${Buffer.from(userId).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
}

/** The user hint of a login token, or undefined when it is not shaped like one. */
export function userHintOf(token: string): string | undefined {
  const dot = token.indexOf(".");
  if (dot < 1 || dot === token.length - 1) return undefined;
  const user = Buffer.from(token.slice(0, dot), "base64url").toString("utf8");
  return user.length > 0 ? user : undefined;
}

/** Signs and checks reservation ids with one secret (share it between instances). */
export class ReservationIds {
  constructor(private readonly secret: string) {}

  private sign(userId: string, holdId: string): string {
    return createHmac("sha256", this.secret).update(`${userId}\n${holdId}`).digest("base64url").slice(0, 22);
  }

  /** The public id of `holdId`, bound to `userId`. */
  encode(userId: string, holdId: string): string {
    return `${holdId}.${this.sign(userId, holdId)}`;
  }

  /** The hold id behind a reservation id of `userId`, or undefined when it is not theirs (or forged). */
  decode(userId: string, reservationId: string): string | undefined {
    const dot = reservationId.lastIndexOf(".");
    if (dot < 1) return undefined;
    const holdId = reservationId.slice(0, dot);
    const given = Buffer.from(reservationId.slice(dot + 1));
    const expected = Buffer.from(this.sign(userId, holdId));
    return given.length === expected.length && timingSafeEqual(given, expected) ? holdId : undefined;
  }
}
