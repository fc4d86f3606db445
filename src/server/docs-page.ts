/**
 * `/docs`: the OpenAPI document as one self-contained HTML page: a table of contents, then every
 * operation with its parameters, request body and responses (each with its schema and headers),
 * then the shared schemas and responses. No script and no external asset, so nothing loads from a
 * CDN (the route also sends a Content-Security-Policy that forbids it). Written by hand rather
 * than shipping a renderer: swagger-ui-dist and redoc are megabytes of client code (and
 * swagger-ui-dist brings an install-time telemetry script) for a page this small.
 */
import { anchorOf, esc, prose, schemaBlock, typeLabel } from "./docs-schema.js";

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId: string;
  summary: string;
  tags: string[];
  description?: string;
  parameters?: Json[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Json }> };
  responses: Record<string, Json>;
  "x-holdfast-scope"?: string;
}

/** Allows the page's own inline styles and nothing else: no script, no fetch, no external asset. */
export const DOCS_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f}
main{max-width:980px;margin:0 auto;padding:1em 1.5em 4em}nav{columns:2 22em;font-size:14px}
nav h3{margin:.6em 0 .2em;break-after:avoid}nav ul{margin:0;padding-left:1em;list-style:none}
code{background:#f2f2f4;padding:0 .25em;border-radius:3px}a{color:#0645ad;text-decoration:none}
section.op{border-top:1px solid #ddd;padding:.6em 0}h3 .m{display:inline-block;min-width:4.2em;font-weight:700}
.get{color:#0a7a32}.post{color:#0645ad}.put{color:#9a5b00}.delete{color:#b3261e}
.scope{font-size:12px;border:1px solid #bbb;border-radius:8px;padding:0 .5em;margin-left:.5em;color:#555}
table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
.fields{margin:.2em 0;padding-left:1.2em}.opt,.c{color:#666;font-size:13px}.alt{padding-left:1.2em}
details{margin:.2em 0}summary{cursor:pointer}.st{font-weight:700}.schema{margin-left:1em}`;

const METHODS = ["get", "put", "post", "patch", "delete"];

function parametersTable(parameters: Json[] | undefined): string {
  if (!parameters || parameters.length === 0) return "";
  const rows = parameters
    .map((p) => {
      const schema = p.schema as Json;
      return `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${typeLabel(schema)}</td><td>${p.required ? "yes" : "no"}</td><td>${prose(p.description ?? "")}</td></tr>`;
    })
    .join("");
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>meaning</th></tr>${rows}</table>`;
}

function requestBody(op: Operation): string {
  if (!op.requestBody) return "";
  const [type, media] = Object.entries(op.requestBody.content)[0];
  const required = op.requestBody.required ? "" : " (optional)";
  return `<h4>Request body${required}: <code>${esc(type)}</code></h4>${schemaBlock(media.schema)}`;
}

type Resolve = (ref: string) => Json | undefined;

function responseBody(status: string, response: Json, open: boolean, resolve: Resolve): string {
  if (typeof response.$ref === "string") {
    const name = response.$ref.split("/").pop()!;
    return `<li><span class="st">${esc(status)}</span> <a href="#${esc(anchorOf(response.$ref))}">${esc(name)}</a></li>`;
  }
  const headers = Object.keys((response.headers ?? {}) as Json).filter((h) => h !== "x-request-id");
  const [type, media] = Object.entries((response.content ?? {}) as Record<string, { schema: Json }>)[0] ?? [];
  const head =
    headers.length > 0
      ? ` <span class="c">headers: ${headers.map((h) => `<code>${esc(h)}</code>`).join(", ")}</span>`
      : "";
  const body = media ? `<div class="c">${esc(type)}</div>${schemaBlock(media.schema, resolve)}` : "";
  return `<li><details${open ? " open" : ""}><summary><span class="st">${esc(status)}</span> ${prose(response.description)}${head}</summary>${body}</details></li>`;
}

function operationSection(method: string, path: string, op: Operation, resolve: Resolve): string {
  const scope = op["x-holdfast-scope"]
    ? `<span class="scope">${op["x-holdfast-scope"] === "public" ? "no key" : `${esc(op["x-holdfast-scope"])} key`}</span>`
    : "";
  const responses = Object.entries(op.responses)
    .map(([status, r]) => responseBody(status, r, status.startsWith("2"), resolve))
    .join("");
  return `<section class="op" id="op-${esc(op.operationId)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code>${scope}</h3>
<p>${prose(op.summary)} <span class="c">· <code>${esc(op.operationId)}</code></span></p>${op.description ? `<p>${prose(op.description)}</p>` : ""}
${parametersTable(op.parameters)}${requestBody(op)}<h4>Responses</h4><ul class="responses">${responses}</ul></section>`;
}

/** Renders the OpenAPI document as one self-contained HTML page. */
export function docsPage(doc: Json): string {
  const info = doc.info as { title: string; version: string; description?: string };
  const components = (doc.components ?? {}) as {
    schemas?: Record<string, Json>;
    responses?: Record<string, Json>;
  };
  const resolve: Resolve = (ref) => components.schemas?.[ref.split("/").pop()!];
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const list = byTag.get(op.tags[0]) ?? [];
      list.push({ method, path, op });
      byTag.set(op.tags[0], list);
    }
  }
  const toc = [...byTag]
    .map(
      ([tag, ops]) =>
        `<h3><a href="#tag-${esc(tag)}">${esc(tag)}</a></h3><ul>${ops
          .map(
            ({ method, path, op }) =>
              `<li><a href="#op-${esc(op.operationId)}"><span class="${method}">${method.toUpperCase()}</span> ${esc(path)}</a></li>`,
          )
          .join("")}</ul>`,
    )
    .join("");
  const sections = [...byTag]
    .map(
      ([tag, ops]) =>
        `<h2 id="tag-${esc(tag)}">${esc(tag)}</h2>${ops.map((o) => operationSection(o.method, o.path, o.op, resolve)).join("")}`,
    )
    .join("");
  const schemas = Object.entries(components.schemas ?? {})
    .map(([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaBlock(s)}</section>`)
    .join("");
  const shared = Object.entries(components.responses ?? {})
    .map(([name, r]) => {
      const media = Object.values((r.content ?? {}) as Record<string, { schema: Json }>)[0];
      const headers = Object.keys((r.headers ?? {}) as Json)
        .map((h) => `<code>${esc(h)}</code>`)
        .join(", ");
      return `<section id="response-${esc(name)}"><h3>${esc(name)}</h3><p>${prose(r.description)} <span class="c">headers: ${headers}</span></p>${media ? schemaBlock(media.schema) : ""}</section>`;
    })
    .join("");
  const headers = Object.entries((components as { headers?: Record<string, Json> }).headers ?? {})
    .map(([name, h]) => `<li><code>${esc(name)}</code>: ${prose(h.description)}</li>`)
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} API ${esc(info.version)}</title><style>${STYLE}</style></head><body><main>
<h1>${esc(info.title)} API <span class="c">${esc(info.version)}</span></h1>${info.description ? `<p>${prose(info.description)}</p>` : ""}
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1; generate a client with it). Authenticate with
<code>Authorization: Bearer hf_…</code> or <code>x-api-key</code>. Every error has the shape <a href="#schema-Error">Error</a>.</p>
<h2 id="contents">Contents</h2><nav>${toc}<h3><a href="#schemas">Schemas</a></h3><h3><a href="#responses">Common responses</a></h3></nav>
${sections}<h2 id="schemas">Schemas</h2>${schemas}<h2 id="responses">Common responses</h2>${shared}
<h3>Response headers</h3><ul>${headers}</ul></main></body></html>`;
}
