// Step 3: Hard-E's personality (the soul document) from a template, edited freely, with the words
// it would open a call with, so the person hears the effect before saving.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, must } from "../api/client";
import { ProblemMessage } from "../components/ProblemMessage";
import type { StepProps } from "./OnboardingPage";

export function PersonalityStep({ tenantId, finish }: StepProps) {
  const templates = useQuery({
    queryKey: ["soul-templates", tenantId],
    queryFn: () => must(api.GET("/v1/soul-templates", { params: { query: { tenant: tenantId } } })),
  });
  const [body, setBody] = useState<string | null>(null);
  const [greeting, setGreeting] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const path = { params: { path: { tenant_id: tenantId } } };

  if (templates.isPending) return <p aria-busy="true">Loading templates…</p>;
  if (templates.error) return <ProblemMessage error={templates.error} />;
  const text = body ?? templates.data[0]?.body ?? "";

  const preview = async () => {
    setError(null);
    try {
      setGreeting((await must(api.POST("/v1/tenants/{tenant_id}/greeting-preview", { ...path, body: {} }))).greeting);
    } catch (failed) {
      setError(failed);
    }
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await must(api.PATCH("/v1/tenants/{tenant_id}/settings", { ...path, body: { soul_document: text } }));
      await finish("done");
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h2>Hard-E's personality</h2>
      <p>Pick a starting point, then make it yours: how Hard-E talks, what it pushes, your company's rules.</p>
      <fieldset>
        <legend>Templates</legend>
        {templates.data.map((template) => (
          <label key={template.id}>
            <input type="radio" name="template" defaultChecked={template.id === templates.data[0]?.id}
              onChange={() => setBody(template.body)} /> {template.title}
          </label>
        ))}
      </fieldset>
      <label>
        Soul document
        <textarea rows={12} value={text} onChange={(event) => setBody(event.target.value)} />
      </label>
      <p>
        <button type="button" className="secondary" onClick={() => void preview()}>Preview the greeting</button>{" "}
        <small>The words a call opens with; the personality shapes everything Hard-E says after them.</small>
      </p>
      {greeting && (
        <blockquote aria-label="Greeting preview" role="status">
          “{greeting}”
        </blockquote>
      )}
      <ProblemMessage error={error} />
      <button type="button" aria-busy={busy} disabled={busy} onClick={() => void save()}>Save and continue</button>
    </section>
  );
}
