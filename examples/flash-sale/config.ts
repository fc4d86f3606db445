/** Reads the flash sale's settings from the environment (used by server.ts and verify.ts). */
import type { SaleConfig } from "./app.js";

/** A positive integer from `env[name]`, or `fallback` when unset. */
export function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
}

/** `SALES=sale-1:200,sale-2:50:2` → id, stock, optional per-user limit. */
export function parseSales(text: string): SaleConfig[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry) => {
      const [id, stock, limit] = entry.split(":");
      const sale: SaleConfig = { id, stock: Number(stock) };
      if (limit !== undefined) sale.perUserLimit = Number(limit);
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id) || !Number.isInteger(sale.stock) || sale.stock < 0) {
        throw new Error(`SALES: "${entry}" is not <id>:<stock>[:<perUserLimit>]`);
      }
      return sale;
    });
}
