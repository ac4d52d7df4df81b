// Step 4: the company's documents (price sheets, warranties, product guides) for Hard-E to quote.
import { useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { DocumentList, documentsKey } from "../knowledge/DocumentList";
import { Dropzone } from "../knowledge/Dropzone";
import { StarterToggle } from "../knowledge/StarterToggle";
import { uploadTo } from "../knowledge/upload";
import type { StepProps } from "./OnboardingPage";

export function KnowledgeStep({ tenantId, finish }: StepProps) {
  const client = useQueryClient();
  const upload = useMemo(() => uploadTo(tenantId), [tenantId]);
  const refresh = () => void client.invalidateQueries({ queryKey: documentsKey(tenantId) });
  return (
    <section>
      <h2>Your documents</h2>
      <p>Warranties, price sheets, product guides: Hard-E answers from them and says where the answer came from.</p>
      <Dropzone upload={upload} onAdded={refresh} />
      <StarterToggle tenantId={tenantId} onChanged={refresh} />
      <DocumentList tenantId={tenantId} canDelete />
      <p>
        <button type="button" onClick={() => void finish("done")}>Continue</button>{" "}
        <button type="button" className="secondary" onClick={() => void finish("skipped")}>Skip for now</button>
      </p>
    </section>
  );
}
