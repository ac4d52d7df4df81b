// Step 1: the company's name, time zone (Hard-E speaks dates in it) and trades.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";
import { ME } from "../session/session";
import type { StepProps } from "./OnboardingPage";
import { TimezoneSelect } from "./TimezoneSelect";

export const TRADES = ["roofing", "siding", "gutters", "windows", "doors", "remodeling", "solar", "insulation"];

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export function CompanyStep({ tenantId, finish }: StepProps) {
  const client = useQueryClient();
  const path = { params: { path: { tenant_id: tenantId } } };
  const tenant = useQuery({ queryKey: ["tenant", tenantId], queryFn: () => must(api.GET("/v1/tenants/{tenant_id}", path)) });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (tenant.isPending) return <p aria-busy="true">Loading…</p>;
  if (tenant.error) return <ProblemMessage error={tenant.error} />;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await must(
        api.PATCH("/v1/tenants/{tenant_id}", {
          ...path,
          body: {
            name: String(form.get("name")),
            timezone: String(form.get("timezone")),
            trades: form.getAll("trades").map(String),
          },
        }),
      );
      await client.invalidateQueries({ queryKey: ME });
      await client.invalidateQueries({ queryKey: ["tenant", tenantId] });
      await finish("done");
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  const chosen = new Set(tenant.data.trades.map((trade) => trade.toLowerCase()));
  return (
    <form onSubmit={(event) => void submit(event)}>
      <h2>Your company</h2>
      <Field label="Company name" name="name" defaultValue={tenant.data.name} required maxLength={120} />
      <TimezoneSelect name="timezone" defaultValue={tenant.data.timezone} />
      <fieldset>
        <legend>Trades you work in</legend>
        {TRADES.map((trade) => (
          <label key={trade}>
            <input type="checkbox" name="trades" value={trade} defaultChecked={chosen.has(trade)} /> {capitalised(trade)}
          </label>
        ))}
      </fieldset>
      <ProblemMessage error={error} />
      <button type="submit" aria-busy={busy} disabled={busy}>Save and continue</button>
    </form>
  );
}
