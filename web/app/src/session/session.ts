// Who is signed in, from GET /v1/auth/me, cached by react-query. Its CSRF token goes to the API
// client; other tabs hear when this one signs in or out (a BroadcastChannel), so a second tab
// never acts as someone who has left.
import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "../api/client";
import { problemFrom } from "../api/problem";
import { setCsrfToken } from "../api/session-bridge";
import type { Me, Scope } from "../api/types";

export const ME = ["me"] as const;
const CHANNEL = "hard-e-session";

export async function fetchMe(): Promise<Me | null> {
  const { data, error, response } = await api.GET("/v1/auth/me");
  if (response.status === 401) {
    setCsrfToken("");
    return null;
  }
  if (!response.ok || !data) throw problemFrom(response, error);
  setCsrfToken(data.csrf_token);
  return data;
}

export function useMe() {
  return useQuery({ queryKey: ME, queryFn: fetchMe, staleTime: 60_000, retry: false });
}

/** After signing in or out here: the new state everywhere, in this tab and the others. */
export function sessionChanged(client: QueryClient, me: Me | null): void {
  setCsrfToken(me?.csrf_token ?? "");
  client.setQueryData(ME, me);
  if (me === null) client.removeQueries({ predicate: (query) => query.queryKey[0] !== ME[0] });
  if (typeof BroadcastChannel !== "undefined") {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage({ signedIn: me?.user?.id ?? me?.kind ?? null });
    channel.close();
  }
}

/** Listens for the other tabs: when they sign in or out, this tab checks who it is now. */
export function useOtherTabs(): void {
  const client = useQueryClient();
  useEffect(() => {
    if (typeof BroadcastChannel === "undefined") return;
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = () => void client.invalidateQueries({ queryKey: ME });
    return () => channel.close();
  }, [client]);
}

export function can(me: Me | null | undefined, scope: Scope): boolean {
  return !!me && me.permissions.includes(scope);
}
