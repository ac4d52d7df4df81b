// A search box over the company's documents: the passages Hard-E would quote, with where they
// come from (document and heading), best first.
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import { ProblemMessage } from "../components/ProblemMessage";

export function KnowledgeSearch({ tenantId }: { tenantId: string }) {
  const [query, setQuery] = useState("");
  const results = useQuery({
    queryKey: ["knowledge-search", tenantId, query],
    queryFn: () =>
      must(api.GET("/v1/tenants/{tenant_id}/knowledge/search", { params: { path: { tenant_id: tenantId }, query: { q: query } } })),
    enabled: query.length > 0,
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setQuery(String(new FormData(event.currentTarget).get("q")).trim());
  };
  return (
    <section aria-labelledby="search-title">
      <h2 id="search-title">Search your knowledge</h2>
      <form role="search" onSubmit={submit} className="inline">
        <input type="search" name="q" aria-label="Search your documents" placeholder="e.g. shingle warranty" required />
        <button type="submit">Search</button>
      </form>
      {results.isFetching && <p aria-busy="true">Searching…</p>}
      <ProblemMessage error={results.error} />
      {results.data && (
        results.data.length === 0 ? (
          <p role="status">Nothing in your documents matches “{query}”.</p>
        ) : (
          <ol className="passages" aria-label="Passages found">
            {results.data.map((hit, index) => (
              <li key={`${hit.document_id}-${index}`}>
                <blockquote>
                  {hit.text}
                  <footer><cite>{hit.filename}{hit.heading ? ` — ${hit.heading}` : ""}</cite></footer>
                </blockquote>
              </li>
            ))}
          </ol>
        )
      )}
    </section>
  );
}
