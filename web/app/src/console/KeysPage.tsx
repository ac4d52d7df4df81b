// API keys for machines (Direct Tools, typed conversations): create with scopes, see the secret
// once, revoke.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import type { AnswerOf, Scope } from "../api/types";
import { CopyButton } from "../components/CopyButton";
import { day, when } from "../components/dates";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";

const SCOPES: { value: Scope; label: string }[] = [
  { value: "tools:read", label: "Read the CRM (tools:read)" },
  { value: "tools:write", label: "Change the CRM (tools:write)" },
  { value: "knowledge", label: "Documents (knowledge)" },
  { value: "conversations", label: "Typed conversations (conversations)" },
  { value: "admin", label: "Everything an owner can do (admin)" },
];

type Created = AnswerOf<"/v1/tenants/{tenant_id}/api-keys", "post">;

export function KeysPage({ tenantId }: { tenantId: string }) {
  const client = useQueryClient();
  const path = { tenant_id: tenantId };
  const key = ["api-keys", tenantId];
  const keys = useQuery({ queryKey: key, queryFn: () => must(api.GET("/v1/tenants/{tenant_id}/api-keys", { params: { path } })) });
  const [created, setCreated] = useState<Created | null>(null);
  const create = useMutation({
    mutationFn: (body: { name: string; scopes: Scope[]; expires_at: string | null }) =>
      must(api.POST("/v1/tenants/{tenant_id}/api-keys", { params: { path }, body })),
    onSuccess: (answer) => { setCreated(answer); void client.invalidateQueries({ queryKey: key }); },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => must(api.DELETE("/v1/tenants/{tenant_id}/api-keys/{key_id}", { params: { path: { ...path, key_id: id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const expires = String(form.get("expires"));
    create.mutate({
      name: String(form.get("name")),
      scopes: form.getAll("scopes").map(String) as Scope[],
      expires_at: expires ? new Date(`${expires}T23:59:59`).toISOString() : null,
    });
  };
  return (
    <section>
      <h1>API keys</h1>
      <p>For your own software calling Hard-E's tools. A key's secret is shown once, when it is made.</p>
      {created && (
        <div role="status" className="secret">
          <p><strong>Your new key “{created.name}”.</strong> Copy it now; it will not be shown again.</p>
          <p><code>{created.key}</code> <CopyButton text={created.key} label="Copy key" /></p>
          <button type="button" className="secondary" onClick={() => setCreated(null)}>I have saved it</button>
        </div>
      )}
      <form onSubmit={submit} aria-labelledby="new-key-title">
        <h2 id="new-key-title">New key</h2>
        <Field label="Name" name="name" required maxLength={80} hint="What uses it, e.g. “Zapier”." />
        <fieldset>
          <legend>What it may do</legend>
          {SCOPES.map((scope) => (
            <label key={scope.value}>
              <input type="checkbox" name="scopes" value={scope.value} defaultChecked={scope.value === "tools:read"} /> {scope.label}
            </label>
          ))}
        </fieldset>
        <Field label="Expires on (optional)" name="expires" type="date" />
        <ProblemMessage error={create.error} />
        <button type="submit" aria-busy={create.isPending}>Create key</button>
      </form>
      <ProblemMessage error={keys.error ?? revoke.error} />
      {keys.data && (
        <table>
          <caption>Keys</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">State</th></tr></thead>
          <tbody>
            {keys.data.map((item) => (
              <tr key={item.id}>
                <td>{item.name}</td>
                <td><code>{item.prefix}…</code></td>
                <td>{item.scopes.join(", ")}</td>
                <td>{when(item.last_used_at)}</td>
                <td>{day(item.expires_at)}</td>
                <td>
                  {item.revoked_at ? `Revoked ${day(item.revoked_at)}` : (
                    <button type="button" className="secondary outline"
                      onClick={() => window.confirm(`Revoke ${item.name}? Software using it stops working at once.`) && revoke.mutate(item.id)}>
                      Revoke<span className="sr-only"> {item.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
