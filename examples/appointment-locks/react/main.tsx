/// <reference lib="dom" />
/**
 * The React booking page's entry: `/react.html?tenant=&specialist=&date=&ttlMs=` (the same
 * parameters as the plain page at `/`). Bundled by the example server on first request.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { TimeSlotPage } from "./TimeSlotPage.js";

const params = new URLSearchParams(location.search);
const refreshEveryMs = Number(document.body.dataset.refreshIntervalMs ?? 30_000);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <TimeSlotPage
      tenantId={params.get("tenant") ?? "test-tenant"}
      resourceId={params.get("specialist") ?? "specialist-1"}
      date={params.get("date") ?? "2025-03-10"}
      ttlMs={Number(params.get("ttlMs") ?? 120_000)}
      refreshEveryMs={refreshEveryMs}
    />
  </StrictMode>,
);
