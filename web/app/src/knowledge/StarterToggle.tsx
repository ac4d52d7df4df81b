// Hard-E's starter documents (general roofing and siding knowledge) on or off for this company.
import { useState } from "react";
import { api, must } from "../api/client";
import { ProblemMessage } from "../components/ProblemMessage";

export function StarterToggle({ tenantId, onChanged }: { tenantId: string; onChanged?: () => void }) {
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [error, setError] = useState<unknown>(null);
  const change = async (value: boolean) => {
    setError(null);
    try {
      await must(api.PUT("/v1/tenants/{tenant_id}/knowledge/starter", { params: { path: { tenant_id: tenantId } }, body: { enabled: value } }));
      setEnabled(value);
      onChanged?.();
    } catch (failed) {
      setError(failed);
    }
  };
  return (
    <fieldset>
      <legend>Starter documents</legend>
      <label>
        <input type="checkbox" role="switch" checked={enabled ?? true} onChange={(event) => void change(event.target.checked)} />{" "}
        Include Hard-E's starter documents (general roofing and siding product knowledge)
      </label>
      <ProblemMessage error={error} />
    </fieldset>
  );
}
