// Hard-E's starter documents (a roofing company's typical price ranges, warranty tiers, financing,
// storm claims, objections) added to this company's knowledge, or taken out again.
import { useState } from "react";
import { api, must } from "../api/client";
import type { AnswerOf } from "../api/types";
import { ProblemMessage } from "../components/ProblemMessage";

type Answer = AnswerOf<"/v1/tenants/{tenant_id}/knowledge/starter", "put">;

export function starterWords(answer: Answer): string {
  const what = answer.changed.length ? answer.changed.join(", ") : "nothing changed";
  return answer.enabled ? `Starter documents on (${what}).` : `Starter documents off (${what}).`;
}

export function StarterToggle({ tenantId, onChanged }: { tenantId: string; onChanged?: () => void }) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const change = async (enabled: boolean) => {
    setError(null);
    try {
      setAnswer(await must(api.PUT("/v1/tenants/{tenant_id}/knowledge/starter", { params: { path: { tenant_id: tenantId } }, body: { enabled } })));
      onChanged?.();
    } catch (failed) {
      setError(failed);
    }
  };
  return (
    <fieldset>
      <legend>Starter documents</legend>
      <p>Typical roofing price ranges, warranty tiers, financing, storm claims and answers to objections, until yours are in.</p>
      <button type="button" className="secondary" onClick={() => void change(true)}>Use the starter documents</button>{" "}
      <button type="button" className="secondary outline" onClick={() => void change(false)}>Remove them</button>
      {answer && <p role="status">{starterWords(answer)}</p>}
      <ProblemMessage error={error} />
    </fieldset>
  );
}
