/** Renders the OpenAPI document as one self-contained HTML page (no scripts, no external assets). */
export function docsPage(doc: Record<string, unknown>): string {
  const esc = (s: unknown) =>
    String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const paths = doc.paths as Record<
    string,
    Record<
      string,
      {
        summary: string;
        tags: string[];
        description?: string;
        requestBody?: unknown;
        responses: Record<string, { description: string }>;
      }
    >
  >;
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const rows = byTag.get(op.tags[0]) ?? [];
      const responses = Object.entries(op.responses)
        .map(([s, r]) => `<li><code>${esc(s)}</code> ${esc(r.description)}</li>`)
        .join("");
      const body = op.requestBody
        ? `<details><summary>request body schema</summary><pre>${esc(JSON.stringify(op.requestBody, null, 2))}</pre></details>`
        : "";
      rows.push(
        `<section><h3><code>${esc(method.toUpperCase())} ${esc(path)}</code></h3><p>${esc(op.summary)}</p>${op.description ? `<p>${esc(op.description)}</p>` : ""}${body}<ul>${responses}</ul></section>`,
      );
      byTag.set(op.tags[0], rows);
    }
  }
  const info = doc.info as { title: string; version: string };
  const sections = [...byTag].map(([tag, rows]) => `<h2>${esc(tag)}</h2>${rows.join("")}`).join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(info.title)} API</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}code{background:#f3f3f3;padding:0 .3em}section{border-top:1px solid #ddd;padding:.5em 0}pre{background:#f7f7f7;padding:1em;overflow:auto}</style></head><body><h1>${esc(info.title)} API ${esc(info.version)}</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Authenticate with <code>Authorization: Bearer hf_…</code>.</p>${sections}</body></html>`;
}
