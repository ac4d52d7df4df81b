// Usage and limits: typed messages, voice minutes and tool calls per day, against the trial's limits.
import { useQuery } from "@tanstack/react-query";
import { api, must } from "../api/client";
import { day } from "../components/dates";
import { ProblemMessage } from "../components/ProblemMessage";

function limit(value: number | null | undefined): string {
  return value === null || value === undefined ? "no limit" : String(value);
}

export function UsagePage({ tenantId }: { tenantId: string }) {
  const usage = useQuery({
    queryKey: ["usage", tenantId],
    queryFn: () => must(api.GET("/v1/tenants/{tenant_id}/usage", { params: { path: { tenant_id: tenantId }, query: { days: 30 } } })),
  });
  if (usage.isPending) return <p aria-busy="true">Loading usage…</p>;
  if (usage.error) return <ProblemMessage error={usage.error} />;
  const found = usage.data;
  return (
    <section>
      <h1>Usage and limits</h1>
      <table>
        <caption>The last 30 days</caption>
        <thead><tr><th scope="col"></th><th scope="col">Used</th><th scope="col">Limit</th></tr></thead>
        <tbody>
          <tr><th scope="row">Typed messages</th><td>{found.messages}</td><td>{limit(found.trial?.max_messages)}</td></tr>
          <tr><th scope="row">Voice minutes</th><td>{found.voice_minutes.toFixed(1)}</td><td>{limit(found.trial?.max_voice_minutes)}</td></tr>
          <tr><th scope="row">Tool calls</th><td>{found.tool_calls}</td><td>no limit</td></tr>
        </tbody>
      </table>
      {found.trial?.expires_at && <p>Your trial ends on {day(found.trial.expires_at)}.</p>}
      <table>
        <caption>Per day</caption>
        <thead><tr><th scope="col">Day</th><th scope="col">Messages</th><th scope="col">Voice minutes</th><th scope="col">Tool calls</th></tr></thead>
        <tbody>
          {found.days.filter((row) => row.messages || row.voice_minutes || row.tool_calls).map((row) => (
            <tr key={row.day}><td>{day(row.day)}</td><td>{row.messages}</td><td>{row.voice_minutes.toFixed(1)}</td><td>{row.tool_calls}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
