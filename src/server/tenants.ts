import { InvalidArgumentError } from "../errors/invalid-argument-error.js";

/**
 * The one rule for a tenant name, wherever a tenant enters (the CLI, a keys file, keys in Redis, the
 * `x-holdfast-tenant` header, a WebSocket token): 1 to 64 letters, digits, `.`, `_` or `-`, starting
 * with a letter or digit. `*` is not a tenant: in a key's tenant list it is the marker "every tenant".
 */
export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What {@link TENANT_NAME} means, in words, for error messages. */
export const TENANT_RULE = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

/** The marker in a key's tenant list for "every tenant". Never a tenant name. */
export const ALL_TENANTS = "*";

/** True when `value` is a valid tenant name. */
export function isTenantName(value: unknown): value is string {
  return typeof value === "string" && TENANT_NAME.test(value);
}

/** Returns `value` if it is a valid tenant name, else throws {@link InvalidArgumentError} naming `field`. */
export function assertTenantName(field: string, value: unknown): string {
  if (isTenantName(value)) return value;
  const shown =
    typeof value === "string"
      ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
      : typeof value;
  throw new InvalidArgumentError(field, `${shown} is not a tenant name: use ${TENANT_RULE}`);
}

/**
 * A key's tenant list: valid tenant names, or `["*"]` for every tenant. Throws
 * {@link InvalidArgumentError} naming `field` (and the entry) otherwise.
 */
export function assertTenantList(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidArgumentError(field, `must be a non-empty list of tenant names or ["*"]`);
  }
  if (value.includes(ALL_TENANTS)) {
    if (value.length !== 1) {
      throw new InvalidArgumentError(field, `"*" (every tenant) must be the only entry`);
    }
    return [ALL_TENANTS];
  }
  return value.map((t, i) => assertTenantName(`${field}[${i}]`, t));
}

// Characters a valid tenant name may contain; everything else is escaped.
const KEPT = /[A-Za-z0-9._-]/;

/**
 * The tenant as it appears in store keys. Valid names map to themselves (so the data of existing
 * tenants keeps its keys); any other character, `%` included, becomes `%XX` per UTF-8 byte. The
 * result never contains `:`, and percent-encoding with `%` always escaped is injective, so two
 * different tenants never share an encoding: a guarantee of construction, not of validation.
 */
export function encodeTenant(tenant: string): string {
  if (TENANT_NAME.test(tenant)) return tenant;
  let out = "";
  for (const ch of tenant) {
    if (KEPT.test(ch)) out += ch;
    else
      for (const byte of Buffer.from(ch, "utf8"))
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * The namespace every key of `tenant` lives under, below the store's prefix: `t:<encoded tenant>:`.
 * The encoded tenant contains no `:`, so the namespace ends at the first `:` after `t:`: no
 * tenant's namespace is a prefix of another's, whatever kinds, names and suffixes follow, and the
 * tenant of any key can be read back from it ({@link tenantOfKey}).
 */
export function tenantNamespace(tenant: string): string {
  return `t:${encodeTenant(tenant)}:`;
}

/**
 * The encoded tenant a key or name belongs to, read from the first `t:<tenant>:` after `prefix`
 * (tenant stores), or inside the hash-tag braces for names the service scopes itself (channels);
 * undefined for keys outside every tenant (API keys, WebSocket tokens). Used by the isolation test.
 */
export function tenantOfKey(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const direct = /^t:([^:]*):/.exec(rest);
  if (direct) return direct[1];
  // Channels of every tenant share one Channels on the base store: `<kind>:{t:<tenant>:<name>}…`
  // or, for a name with its own hash tag, `<kind>:t:<tenant>:<name>…`.
  const scoped = /^[^:]*:\{?t:([^:]*):/.exec(rest);
  return scoped ? scoped[1] : undefined;
}
