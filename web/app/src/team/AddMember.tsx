// Adding a team member: name, phones (their calls are recognised), email (for a sign-in link),
// role, and an optional PIN for calls from numbers Hard-E does not know.
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import type { Role } from "../api/types";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";
import { phoneList } from "./phones";
import { ROLES } from "./roles";

export function AddMember({ tenantId, onAdded }: { tenantId: string; onAdded: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setBusy(true);
    setError(null);
    try {
      await must(
        api.POST("/v1/tenants/{tenant_id}/users", {
          params: { path: { tenant_id: tenantId } },
          body: {
            name: String(form.get("name")),
            phones: phoneList(String(form.get("phones"))),
            email: String(form.get("email")) || null,
            role: String(form.get("role")) as Role,
            pin: String(form.get("pin")) || null,
          },
        }),
      );
      formElement.reset();
      onAdded();
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby="add-member-title">
      <h3 id="add-member-title">Add a team member</h3>
      <div className="grid">
        <Field label="Name" name="name" required maxLength={120} />
        <Field label="Phone numbers" name="phones" hint="Calls from these numbers are recognised. Separate with commas." />
      </div>
      <div className="grid">
        <Field label="Email" name="email" type="email" hint="Needed for a sign-in link." />
        <label>
          Role
          <select name="role" defaultValue="sales_rep">
            {ROLES.map((role) => <option key={role.value} value={role.value}>{role.label}: {role.may}</option>)}
          </select>
        </label>
        <Field label="PIN" name="pin" inputMode="numeric" pattern="[0-9]{4,8}" hint="4-8 digits, for calls from unknown numbers." />
      </div>
      <ProblemMessage error={error} />
      <button type="submit" aria-busy={busy} disabled={busy}>Add</button>
    </form>
  );
}
