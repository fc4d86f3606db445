import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { HttpClient } from "holdfast/client";
import type { Identity, Session } from "./session";

/** What every view needs: the client of the signed-in key and who that key is. */
export interface DashboardContext {
  session: Session;
  client: HttpClient;
  identity: Identity;
  /** Called when the service answers 401: back to the sign-in screen with this message. */
  signOut(message?: string): void;
}

export const Ctx = createContext<DashboardContext | null>(null);

export function useDashboard(): DashboardContext {
  const c = useContext(Ctx);
  if (!c) throw new Error("useDashboard outside the dashboard");
  return c;
}

/** `encodeURIComponent` for one path segment (names may hold `:`, `{`, `/`). */
export const seg = (name: string): string => encodeURIComponent(name);
