// Editing a team member: name, phones, email, role and PIN. Only what changed is sent; a phone, PIN
// or email another person has comes back as a problem in plain words, and the form keeps what was typed.
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import type { Role, User } from "../api/types";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";
import { formOf, memberChanges } from "./member-changes";
import { ROLES } from "./roles";

export function EditMember({ tenantId, user, onDone }: { tenantId: string; user: User; onDone: (saved: boolean) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const initial = formOf(user);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const changes = memberChanges(user, {
      name: String(form.get("name")),
      phones: String(form.get("phones")),
      email: String(form.get("email")),
      role: String(form.get("role")) as Role,
      pin: String(form.get("pin")),
      removePin: form.get("remove_pin") === "on",
    });
    if (Object.keys(changes).length === 0) return onDone(false);
    setBusy(true);
    setError(null);
    try {
      await must(
        api.PATCH("/v1/tenants/{tenant_id}/users/{user_id}", {
          params: { path: { tenant_id: tenantId, user_id: user.id } },
          body: changes,
        }),
      );
      onDone(true);
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };
  const title = `edit-${user.id}-title`;
  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby={title}>
      <h3 id={title}>Edit {user.name}</h3>
      <div className="grid">
        <Field label="Name" name="name" required maxLength={120} defaultValue={initial.name} />
        <Field label="Phone numbers" name="phones" defaultValue={initial.phones} hint="Separate with commas; clear to remove them all." />
      </div>
      <div className="grid">
        <Field label="Email" name="email" type="email" defaultValue={initial.email} hint="Needed for a sign-in link." />
        <label>
          Role
          <select name="role" defaultValue={initial.role}>
            {ROLES.map((role) => <option key={role.value} value={role.value}>{role.label}: {role.may}</option>)}
          </select>
        </label>
        <Field label="New PIN" name="pin" inputMode="numeric" pattern="[0-9]{4,8}" autoComplete="off"
          hint={user.has_pin ? "4-8 digits; leave empty to keep the current PIN." : "4-8 digits, for calls from unknown numbers."} />
      </div>
      {user.has_pin && <label><input type="checkbox" name="remove_pin" /> Remove the PIN</label>}
      <ProblemMessage error={error} />
      <button type="submit" aria-busy={busy} disabled={busy}>Save</button>{" "}
      <button type="button" className="secondary outline" disabled={busy} onClick={() => onDone(false)}>Cancel</button>
    </form>
  );
}
