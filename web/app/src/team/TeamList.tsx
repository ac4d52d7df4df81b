// The team: who may call and what they may do; editing a member, a one-time sign-in link for each
// person with an email (there is no mail service: the owner passes it on), and removal.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { api, must } from "../api/client";
import type { AnswerOf } from "../api/types";
import { CopyButton } from "../components/CopyButton";
import { day } from "../components/dates";
import { ProblemMessage } from "../components/ProblemMessage";
import { AddMember } from "./AddMember";
import { EditMember } from "./EditMember";
import { roleLabel } from "./roles";

type Link = AnswerOf<"/v1/tenants/{tenant_id}/users/{user_id}/sign-in-link", "post">;

export function TeamList({ tenantId, myId }: { tenantId: string; myId: string | null }) {
  const client = useQueryClient();
  const key = ["users", tenantId];
  const users = useQuery({
    queryKey: key,
    queryFn: () => must(api.GET("/v1/tenants/{tenant_id}/users", { params: { path: { tenant_id: tenantId } } })),
  });
  const [links, setLinks] = useState<Record<string, Link>>({});
  const [editing, setEditing] = useState<string | null>(null);
  const link = useMutation({
    mutationFn: (userId: string) =>
      must(api.POST("/v1/tenants/{tenant_id}/users/{user_id}/sign-in-link", { params: { path: { tenant_id: tenantId, user_id: userId } } })),
    onSuccess: (answer, userId) => setLinks((current) => ({ ...current, [userId]: answer })),
  });
  const remove = useMutation({
    mutationFn: (userId: string) =>
      must(api.DELETE("/v1/tenants/{tenant_id}/users/{user_id}", { params: { path: { tenant_id: tenantId, user_id: userId } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: key });

  if (users.isPending) return <p aria-busy="true">Loading the team…</p>;
  if (users.error) return <ProblemMessage error={users.error} />;
  return (
    <>
      <ProblemMessage error={link.error ?? remove.error} />
      <table>
        <caption>Who may call Hard-E</caption>
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Phones</th><th scope="col">Email</th><th scope="col">PIN</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {users.data.map((user) => (
            <Fragment key={user.id}>
            <tr>
              <td>{user.name}</td>
              <td>{roleLabel(user.role)}</td>
              <td>{user.phones.join(", ") || "—"}</td>
              <td>{user.email ?? "—"}</td>
              <td>{user.has_pin ? "set" : "—"}</td>
              <td>
                <button type="button" className="secondary outline" onClick={() => setEditing(user.id)}>
                  Edit<span className="sr-only"> {user.name}</span>
                </button>{" "}
                {user.email && user.id !== myId && (
                  <button type="button" className="secondary outline" onClick={() => link.mutate(user.id)}>
                    Sign-in link<span className="sr-only"> for {user.name}</span>
                  </button>
                )}{" "}
                {user.id !== myId && (
                  <button type="button" className="secondary outline"
                    onClick={() => window.confirm(`Remove ${user.name}? They can no longer call or sign in.`) && remove.mutate(user.id)}>
                    Remove<span className="sr-only"> {user.name}</span>
                  </button>
                )}
                {links[user.id] && (
                  <p className="link-out">
                    <code>{links[user.id]?.url}</code> <CopyButton text={links[user.id]?.url ?? ""} label="Copy link" />
                    <br />
                    <small>Works once, until {day(links[user.id]?.expires_at)}. Send it to {user.name}.</small>
                  </p>
                )}
              </td>
            </tr>
            {editing === user.id && (
              <tr>
                <td colSpan={6}>
                  <EditMember tenantId={tenantId} user={user} onDone={(saved) => {
                    setEditing(null);
                    if (saved) refresh();
                  }} />
                </td>
              </tr>
            )}
            </Fragment>
          ))}
        </tbody>
      </table>
      <AddMember tenantId={tenantId} onAdded={refresh} />
    </>
  );
}
