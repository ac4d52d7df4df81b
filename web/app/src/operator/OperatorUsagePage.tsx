// Usage across every tenant, for the operator.
import { useQuery } from "@tanstack/react-query";
import { api, must } from "../api/client";
import { day } from "../components/dates";
import { ProblemMessage } from "../components/ProblemMessage";

export function OperatorUsagePage() {
  const usage = useQuery({ queryKey: ["usage-all"], queryFn: () => must(api.GET("/v1/usage")) });
  return (
    <section>
      <h1>Usage across tenants</h1>
      {usage.isPending && <p aria-busy="true">Loading usage…</p>}
      <ProblemMessage error={usage.error} />
      {usage.data && (
        <table>
          <caption className="sr-only">Usage per tenant</caption>
          <thead><tr><th scope="col">Tenant</th><th scope="col">Messages</th><th scope="col">Voice minutes</th><th scope="col">Tool calls</th><th scope="col">Trial ends</th></tr></thead>
          <tbody>
            {usage.data.map((row) => (
              <tr key={row.tenant_id}>
                <td>{row.name} <small><code>{row.tenant_id}</code></small></td>
                <td>{row.messages}</td>
                <td>{row.voice_minutes.toFixed(1)}</td>
                <td>{row.tool_calls}</td>
                <td>{row.trial ? day(row.trial.expires_at) : "paying"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
