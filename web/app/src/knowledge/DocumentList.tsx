// The company's documents, each with a delete that asks first.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, must } from "../api/client";
import { day } from "../components/dates";
import { ProblemMessage } from "../components/ProblemMessage";
import { humanSize } from "./uploads";

export function documentsKey(tenantId: string) {
  return ["documents", tenantId];
}

export function DocumentList({ tenantId, canDelete }: { tenantId: string; canDelete: boolean }) {
  const client = useQueryClient();
  const path = { tenant_id: tenantId };
  const documents = useQuery({
    queryKey: documentsKey(tenantId),
    queryFn: () => must(api.GET("/v1/tenants/{tenant_id}/knowledge", { params: { path } })),
  });
  const remove = useMutation({
    mutationFn: (documentId: string) =>
      must(api.DELETE("/v1/tenants/{tenant_id}/knowledge/{document_id}", { params: { path: { ...path, document_id: documentId } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: documentsKey(tenantId) }),
  });
  if (documents.isPending) return <p aria-busy="true">Loading documents…</p>;
  if (documents.error) return <ProblemMessage error={documents.error} />;
  if (documents.data.length === 0) return <p>No documents yet.</p>;
  return (
    <>
      <ProblemMessage error={remove.error} />
      <table>
        <caption>Your documents</caption>
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Size</th><th scope="col">Passages</th><th scope="col">Added</th>{canDelete && <th scope="col"><span className="sr-only">Actions</span></th>}</tr>
        </thead>
        <tbody>
          {documents.data.map((document) => (
            <tr key={document.id}>
              <td>{document.name}</td>
              <td>{document.kind}</td>
              <td>{humanSize(document.size_bytes)}</td>
              <td>{document.chunk_count}</td>
              <td>{day(document.added_at)}</td>
              {canDelete && (
                <td>
                  <button type="button" className="secondary outline"
                    onClick={() => window.confirm(`Delete ${document.name}? Hard-E will no longer quote it.`) && remove.mutate(document.id)}>
                    Delete<span className="sr-only"> {document.name}</span>
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
