/** Names, request schemas and the error replies shared by the flash sale's routes. */
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { isItemNotFoundError, isStoreFailure } from "holdfast";

/** A sale or user id: letters, digits and `- _ .`, so that it is safe in keys, paths and logs. */
export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits and - _ . only");

/** The inventory item and the waiting room of a sale share this name (and so one hash tag). */
export function saleName(saleId: string): string {
  return `flash-sale:${saleId}`;
}

/** A sale's figures as the API shows them: `available + held + sold === total`. */
export interface SaleView {
  id: string;
  total: number;
  available: number;
  held: number;
  sold: number;
  /** Nothing available and nothing held: no unit can come back. */
  soldOut: boolean;
}

/** The sale id of a name built by {@link saleName}, or undefined. */
export function saleIdOf(name: string): string | undefined {
  return name.startsWith("flash-sale:") ? name.slice("flash-sale:".length) : undefined;
}

export function invalid(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const issue = error.issues[0];
  const field = issue.path.join(".") || "body";
  return reply
    .code(400)
    .send({ success: false, reason: "invalid_request", field, message: `${field}: ${issue.message}` });
}

export function unavailable(reply: FastifyReply): FastifyReply {
  return reply.code(503).header("retry-after", "1").send({
    success: false,
    reason: "store_unavailable",
    message: "The sale's store is unavailable; nothing was changed. Try again shortly.",
  });
}

export function saleNotFound(reply: FastifyReply, saleId: string): FastifyReply {
  return reply
    .code(404)
    .send({ success: false, reason: "sale_not_found", message: `No flash sale "${saleId}".` });
}

/**
 * Answers for the failures every route shares (store down → 503, unknown sale → 404); rethrows the
 * rest, which the Holdfast error handler turns into JSON.
 */
export function common(reply: FastifyReply, e: unknown, saleId?: string): FastifyReply {
  if (isStoreFailure(e)) return unavailable(reply);
  if (saleId !== undefined && isItemNotFoundError(e)) return saleNotFound(reply, saleId);
  throw e;
}
