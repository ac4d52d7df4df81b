// Invite links: create one with the trial's limits, copy the link (the code is shown only then),
// see which were redeemed, revoke the rest.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import type { AnswerOf } from "../api/types";
import { CopyButton } from "../components/CopyButton";
import { day } from "../components/dates";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";
import { inviteBody } from "./invite-form";

type Created = AnswerOf<"/v1/invites", "post">;
type Invite = AnswerOf<"/v1/invites", "get">[number];

export function inviteState(invite: Invite, now: Date = new Date()): string {
  if (invite.redeemed_at) return `Redeemed ${day(invite.redeemed_at)}${invite.tenant_id ? ` (${invite.tenant_id})` : ""}`;
  if (invite.revoked_at) return `Revoked ${day(invite.revoked_at)}`;
  if (new Date(invite.expires_at) <= now) return `Expired ${day(invite.expires_at)}`;
  return `Open until ${day(invite.expires_at)}`;
}

export function InvitesPage() {
  const client = useQueryClient();
  const invites = useQuery({ queryKey: ["invites"], queryFn: () => must(api.GET("/v1/invites")) });
  const [created, setCreated] = useState<Created | null>(null);
  const create = useMutation({
    mutationFn: (form: FormData) => must(api.POST("/v1/invites", { body: inviteBody(form) })),
    onSuccess: (answer) => { setCreated(answer); void client.invalidateQueries({ queryKey: ["invites"] }); },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => must(api.DELETE("/v1/invites/{invite_id}", { params: { path: { invite_id: id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["invites"] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate(new FormData(event.currentTarget));
  };
  return (
    <section>
      <h1>Invites</h1>
      <form onSubmit={submit} aria-labelledby="new-invite-title">
        <h2 id="new-invite-title">New invite</h2>
        <div className="grid">
          <Field label="Trial days" name="days" type="number" min="1" max="365" defaultValue={14} required />
          <Field label="Typed messages" name="messages" type="number" min="0" defaultValue={200} hint="Empty: no limit." />
          <Field label="Voice minutes" name="minutes" type="number" min="0" defaultValue={60} hint="Empty: no limit." />
        </div>
        <Field label="Note (who it is for)" name="note" maxLength={200} />
        <ProblemMessage error={create.error} />
        <button type="submit" aria-busy={create.isPending}>Create invite link</button>
      </form>
      {created && (
        <div role="status" className="secret">
          <p><strong>Invite link</strong> (send it to the contractor; it works once):</p>
          <p><code data-testid="invite-link">{created.url}</code> <CopyButton text={created.url} label="Copy link" /></p>
        </div>
      )}
      <ProblemMessage error={invites.error ?? revoke.error} />
      {invites.data && (
        <table>
          <caption>Invites</caption>
          <thead><tr><th scope="col">Code</th><th scope="col">Note</th><th scope="col">Trial</th><th scope="col">State</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {invites.data.map((invite) => (
              <tr key={invite.id}>
                <td><code>{invite.prefix}…</code></td>
                <td>{invite.note || "—"}</td>
                <td>
                  {invite.trial_days} days, {invite.max_messages ?? "unlimited"} messages, {invite.max_voice_minutes ?? "unlimited"} minutes
                </td>
                <td>{inviteState(invite)}</td>
                <td>
                  {!invite.redeemed_at && !invite.revoked_at && (
                    <button type="button" className="secondary outline" onClick={() => revoke.mutate(invite.id)}>
                      Revoke<span className="sr-only"> invite {invite.prefix}</span>
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
