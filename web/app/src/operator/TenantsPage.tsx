// The operator's list of companies: trial or paying, which CRM, when each started.
import { useQuery } from "@tanstack/react-query";
import { api, must } from "../api/client";
import { day } from "../components/dates";
import { ProblemMessage } from "../components/ProblemMessage";

export function TenantsPage() {
  const tenants = useQuery({ queryKey: ["tenants"], queryFn: () => must(api.GET("/v1/tenants")) });
  return (
    <section>
      <h1>Tenants</h1>
      {tenants.isPending && <p aria-busy="true">Loading tenants…</p>}
      <ProblemMessage error={tenants.error} />
      {tenants.data && (
        <table>
          <caption className="sr-only">Tenants</caption>
          <thead><tr><th scope="col">Company</th><th scope="col">Id</th><th scope="col">CRM</th><th scope="col">Trial ends</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {tenants.data.map((tenant) => (
              <tr key={tenant.id}>
                <td>{tenant.name}</td>
                <td><code>{tenant.id}</code></td>
                <td>{tenant.leap.crm === "leap" ? (tenant.leap.token_set ? "Leap" : "Leap (no key yet)") : "Demo CRM"}</td>
                <td>{tenant.trial ? day(tenant.trial.expires_at) : "paying"}</td>
                <td>{day(tenant.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
