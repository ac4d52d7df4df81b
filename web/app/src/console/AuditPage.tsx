// The audit log: who did what and when (people, API keys, Hard-E's tools), with filters and a CSV
// export of exactly what is filtered.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import type { AnswerOf } from "../api/types";
import { when } from "../components/dates";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";
import { auditQuery, csvLink, NO_FILTERS, type AuditFilters } from "./audit-filters";

type AuditEntries = AnswerOf<"/v1/tenants/{tenant_id}/audit", "get">;

export function AuditPage({ tenantId }: { tenantId: string }) {
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const pages = useInfiniteQuery({
    queryKey: ["audit", tenantId, filters],
    // The same address also answers CSV (format=csv, the export link); here it is always JSON.
    queryFn: async ({ pageParam }) =>
      (await must(api.GET("/v1/tenants/{tenant_id}/audit", {
        params: { path: { tenant_id: tenantId }, query: { ...auditQuery(filters), cursor: pageParam ?? undefined, limit: 100 } },
      }))) as AuditEntries,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFilters({
      actor: String(form.get("actor")),
      event: String(form.get("event")),
      since: String(form.get("since")),
      until: String(form.get("until")),
    });
  };
  const entries = pages.data?.pages.flatMap((page) => page.entries) ?? [];
  return (
    <section>
      <h1>Audit log</h1>
      <form onSubmit={submit} aria-label="Filters">
        <div className="grid">
          <Field label="Who" name="actor" placeholder="user:…, key:…" />
          <Field label="What" name="event" placeholder="e.g. settings.updated" />
          <Field label="From" name="since" type="date" />
          <Field label="To" name="until" type="date" />
        </div>
        <button type="submit">Filter</button>{" "}
        <a href={csvLink(tenantId, filters)} download="hard-e-audit.csv" role="button" className="secondary">Export CSV</a>
      </form>
      <ProblemMessage error={pages.error} />
      {pages.isPending && <p aria-busy="true">Loading the log…</p>}
      {pages.data && entries.length === 0 && <p>Nothing matches these filters.</p>}
      {entries.length > 0 && (
        <table>
          <caption className="sr-only">Audit entries, newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>{when(entry.at)}</td>
                <td>{entry.actor}</td>
                <td>{entry.event ?? entry.tool}</td>
                <td>{entry.outcome}</td>
                <td>{entry.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void pages.fetchNextPage()}>Older entries</button>
      )}
    </section>
  );
}
