// The company's documents: search them (the passages Hard-E would quote), add, delete.
import { useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Me } from "../api/types";
import { DocumentList, documentsKey } from "../knowledge/DocumentList";
import { Dropzone } from "../knowledge/Dropzone";
import { KnowledgeSearch } from "../knowledge/KnowledgeSearch";
import { StarterToggle } from "../knowledge/StarterToggle";
import { uploadTo } from "../knowledge/upload";

export function KnowledgePage({ me, tenantId }: { me: Me; tenantId: string }) {
  const client = useQueryClient();
  const upload = useMemo(() => uploadTo(tenantId), [tenantId]);
  const refresh = () => void client.invalidateQueries({ queryKey: documentsKey(tenantId) });
  const admin = me.permissions.includes("admin");
  return (
    <section>
      <h1>Knowledge</h1>
      <KnowledgeSearch tenantId={tenantId} />
      <h2>Add documents</h2>
      <Dropzone upload={upload} onAdded={refresh} />
      {admin && <StarterToggle tenantId={tenantId} onChanged={refresh} />}
      <DocumentList tenantId={tenantId} canDelete />
    </section>
  );
}
