// Step 2: connect Leap. The key is checked with Leap at once and the counts found are shown, so
// the person sees their own customers and jobs; or they stay on the demo CRM for now.
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import type { AnswerOf } from "../api/types";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";
import type { StepProps } from "./OnboardingPage";

type Connected = AnswerOf<"/v1/tenants/{tenant_id}/leap", "put">;

export function LeapStep({ tenantId, finish }: StepProps) {
  const client = useQueryClient();
  const [connected, setConnected] = useState<Connected | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const verify = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget).get("token")).trim();
    setBusy(true);
    setError(null);
    setConnected(null);
    try {
      const answer = await must(
        api.PUT("/v1/tenants/{tenant_id}/leap", { params: { path: { tenant_id: tenantId } }, body: { token } }),
      );
      setConnected(answer);
      await client.invalidateQueries({ queryKey: ["tenant", tenantId] });
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h2>Connect your Leap CRM</h2>
      <p>
        Paste your Leap API key (in Leap: Settings, then API). Hard-E checks it with Leap right away and keeps it
        encrypted; every CRM tool then works on your own customers and jobs.
      </p>
      <form onSubmit={(event) => void verify(event)}>
        <Field label="Leap API key" name="token" type="password" autoComplete="off" required />
        <ProblemMessage error={error} />
        <button type="submit" aria-busy={busy} disabled={busy}>Check and connect</button>
      </form>
      {connected?.found && (
        <p role="status" className="ok">
          Connected. Leap shows {connected.found.customers} customers, {connected.found.jobs} jobs and{" "}
          {connected.found.stages} workflow stages.
        </p>
      )}
      <p>
        {connected ? (
          <button type="button" onClick={() => void finish("done")}>Continue</button>
        ) : (
          <button type="button" className="secondary" onClick={() => void finish("skipped")}>
            Stay on the demo CRM for now
          </button>
        )}
      </p>
    </section>
  );
}
