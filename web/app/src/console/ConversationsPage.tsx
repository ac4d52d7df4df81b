// Every conversation of the company, newest first, from every channel, filterable by channel.
import { useInfiniteQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api, must } from "../api/client";
import { when } from "../components/dates";
import { ProblemMessage } from "../components/ProblemMessage";
import { callerName, channelLabel, CHANNELS, type Channel } from "./channels";

export function ConversationsPage({ tenantId }: { tenantId: string }) {
  const [params, setParams] = useSearchParams();
  const channel = (params.get("channel") ?? "") as Channel | "";
  const pages = useInfiniteQuery({
    queryKey: ["history", tenantId, channel],
    queryFn: ({ pageParam }) =>
      must(api.GET("/v1/tenants/{tenant_id}/history", {
        params: { path: { tenant_id: tenantId }, query: { channel: channel || undefined, cursor: pageParam ?? undefined, limit: 25 } },
      })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    refetchInterval: 15_000,
  });
  const items = pages.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section>
      <h1>Conversations</h1>
      <label>
        Channel
        <select value={channel} onChange={(event) => setParams(event.target.value ? { channel: event.target.value } : {})}>
          <option value="">All channels</option>
          {Object.entries(CHANNELS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
      </label>
      {pages.isPending && <p aria-busy="true">Loading conversations…</p>}
      <ProblemMessage error={pages.error} />
      {pages.data && items.length === 0 && <p>No conversations yet. Talk to Hard-E and it shows up here.</p>}
      {items.length > 0 && (
        <table>
          <caption className="sr-only">Conversations, newest first</caption>
          <thead>
            <tr><th scope="col">Started</th><th scope="col">Channel</th><th scope="col">Who</th><th scope="col">Turns</th><th scope="col">Tools</th><th scope="col">Summary</th></tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                <td><Link to={`/conversations/${encodeURIComponent(item.id)}`}>{when(item.started_at)}</Link></td>
                <td>{channelLabel(item.channel)}</td>
                <td>{callerName(item.caller)}</td>
                <td>{item.turns}</td>
                <td>{item.tools_called}</td>
                <td>{item.summary || (item.status === "live" ? "In progress…" : "—")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages.hasNextPage && (
        <button type="button" className="secondary" aria-busy={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          Older conversations
        </button>
      )}
    </section>
  );
}
