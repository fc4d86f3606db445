/**
 * Renders the JSON Schemas of the OpenAPI document as HTML a person can read: an object as a list
 * of its fields (name, type, whether required, description), a shared shape as a link to its
 * entry in the page's "Schemas" section. No scripts: `<details>` folds long parts.
 */

type Json = Record<string, unknown>;

export const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** Escaped text whose `code spans` become <code>, as in the route descriptions. */
export const prose = (s: unknown): string => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");

/** The page anchor of a `$ref` into the document (`#/components/schemas/LockLease` → `schema-LockLease`). */
export function anchorOf(ref: string): string {
  const [, , kind, name] = ref.split("/");
  return `${kind === "responses" ? "response" : "schema"}-${name}`;
}

const refName = (ref: string) => ref.split("/").pop()!;

/** A one-line type: `string`, `integer | null`, `"exclusive" | "read"`, `LockLease[]`… */
export function typeLabel(schema: Json | undefined): string {
  if (!schema || Object.keys(schema).length === 0) return "any JSON";
  if (typeof schema.$ref === "string") {
    return `<a href="#${esc(anchorOf(schema.$ref))}">${esc(refName(schema.$ref))}</a>`;
  }
  if ("const" in schema) return `<code>${esc(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum))
    return schema.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(" | ");
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (union) return union.map((s) => typeLabel(s)).join(" | ");
  const type = schema.type;
  if (Array.isArray(type)) return type.map((t) => typeLabel({ ...schema, type: t })).join(" | ");
  if (type === "array") {
    const item = typeLabel(schema.items as Json);
    return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
  }
  if (type === "object") {
    if (schema.properties) return "object";
    const values = schema.additionalProperties as Json | boolean | undefined;
    return `map of ${values && typeof values === "object" ? typeLabel(values) : "any JSON"}`;
  }
  return esc(type ?? "any JSON");
}

/** Constraints worth showing beside a type (bounds, lengths, patterns). */
function constraints(schema: Json): string {
  const parts: string[] = [];
  const say = (key: string, label: string) => {
    if (schema[key] !== undefined) parts.push(`${label} ${esc(schema[key])}`);
  };
  say("minimum", "≥");
  say("exclusiveMinimum", ">");
  say("maximum", "≤");
  say("minLength", "length ≥");
  say("maxLength", "length ≤");
  say("minItems", "items ≥");
  say("maxItems", "items ≤");
  if (typeof schema.pattern === "string") parts.push(`matches <code>${esc(schema.pattern)}</code>`);
  if (schema.default !== undefined) parts.push(`default <code>${esc(JSON.stringify(schema.default))}</code>`);
  return parts.length > 0 ? ` <span class="c">(${parts.join(", ")})</span>` : "";
}

/** The nested parts of a schema (an object's fields, a union's alternatives, an array's items). */
function children(schema: Json, depth: number): string {
  if (depth > 6) return "";
  if (schema.type === "object" && schema.properties) return fieldList(schema, depth + 1);
  if (schema.type === "array" && schema.items && typeof schema.items === "object") {
    const items = schema.items as Json;
    return items.$ref ? "" : children(items, depth);
  }
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (union && union.some((s) => s.properties)) {
    const alternatives = union
      .map(
        (s, i) => `<li>one of (${i + 1}): ${typeLabel(s)}${s.properties ? fieldList(s, depth + 1) : ""}</li>`,
      )
      .join("");
    return `<ul class="alt">${alternatives}</ul>`;
  }
  return "";
}

/** An object's fields as a list: name, type, required or not, constraints, description. */
export function fieldList(schema: Json, depth = 0): string {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(props).map(([name, prop]) => {
    const flag = required.has(name) ? "" : '<span class="opt">optional</span> ';
    const description = typeof prop.description === "string" ? ` — ${prose(prop.description)}` : "";
    return `<li><code class="f">${esc(name)}</code>: ${flag}${typeLabel(prop)}${constraints(prop)}${description}${children(prop, depth)}</li>`;
  });
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    rows.push(`<li><em>any other field</em>: ${typeLabel(schema.additionalProperties as Json)}</li>`);
  }
  return rows.length > 0 ? `<ul class="fields">${rows.join("")}</ul>` : "";
}

/**
 * A whole schema: its type line, its description, and its fields or alternatives. With `resolve`,
 * a shared shape (`$ref`) is shown expanded under its link.
 */
export function schemaBlock(schema: Json | undefined, resolve?: (ref: string) => Json | undefined): string {
  if (!schema) return "";
  const shown = (typeof schema.$ref === "string" && resolve?.(schema.$ref)) || schema;
  const description = typeof shown.description === "string" ? `<p>${prose(shown.description)}</p>` : "";
  return `<div class="schema"><div>${typeLabel(schema)}${constraints(shown)}</div>${description}${children(shown, 0)}</div>`;
}
