// What Hard-E remembers about the company and each person: search, correct, delete, and forget a
// person entirely.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import { day } from "../components/dates";
import { ProblemMessage } from "../components/ProblemMessage";

export function MemoriesPage({ tenantId }: { tenantId: string }) {
  const client = useQueryClient();
  const path = { tenant_id: tenantId };
  const [about, setAbout] = useState("");
  const [words, setWords] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const key = ["memories", tenantId, about, words];
  const users = useQuery({
    queryKey: ["users", tenantId],
    queryFn: () => must(api.GET("/v1/tenants/{tenant_id}/users", { params: { path } })),
  });
  const memories = useQuery({
    queryKey: key,
    queryFn: () =>
      must(api.GET("/v1/tenants/{tenant_id}/memories", { params: { path, query: { about: about || undefined, q: words || undefined } } })),
  });
  const done = () => client.invalidateQueries({ queryKey: ["memories", tenantId] });
  const correct = useMutation({
    mutationFn: ({ id, text }: { id: string; text: string }) =>
      must(api.PATCH("/v1/tenants/{tenant_id}/memories/{memory_id}", { params: { path: { ...path, memory_id: id } }, body: { text } })),
    onSuccess: () => { setEditing(null); void done(); },
  });
  const remove = useMutation({
    mutationFn: (id: string) => must(api.DELETE("/v1/tenants/{tenant_id}/memories/{memory_id}", { params: { path: { ...path, memory_id: id } } })),
    onSuccess: () => void done(),
  });
  const forget = useMutation({
    mutationFn: (userId: string) => must(api.DELETE("/v1/tenants/{tenant_id}/users/{user_id}/memories", { params: { path: { ...path, user_id: userId } } })),
    onSuccess: () => void done(),
  });
  const names = new Map((users.data ?? []).map((user) => [user.id, user.name]));
  const whom = (id: string) => (id === "company" ? "The company" : (names.get(id) ?? id));

  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setAbout(String(form.get("about")));
    setWords(String(form.get("q")).trim());
  };
  const save = (event: FormEvent<HTMLFormElement>, id: string) => {
    event.preventDefault();
    correct.mutate({ id, text: String(new FormData(event.currentTarget).get("text")) });
  };

  return (
    <section>
      <h1>Memories</h1>
      <p>What Hard-E has learned from conversations. Correct anything it got wrong; delete what it should not keep.</p>
      <form role="search" onSubmit={search} className="grid">
        <label>
          About
          <select name="about" defaultValue="">
            <option value="">Everyone</option>
            <option value="company">The company</option>
            {users.data?.map((user) => <option key={user.id} value={user.id}>{user.name}</option>)}
          </select>
        </label>
        <label>
          Words
          <input type="search" name="q" />
        </label>
        <button type="submit">Show</button>
      </form>
      {about && about !== "company" && (
        <p>
          <button type="button" className="secondary"
            onClick={() => window.confirm(`Forget everything Hard-E remembers about ${whom(about)}?`) && forget.mutate(about)}>
            Forget {whom(about)}
          </button>
          {forget.data && <span role="status"> Forgot {forget.data.memories_removed} memories.</span>}
        </p>
      )}
      <ProblemMessage error={memories.error ?? correct.error ?? remove.error ?? forget.error} />
      {memories.isPending && <p aria-busy="true">Loading memories…</p>}
      {memories.data?.length === 0 && <p>No memories match.</p>}
      <ul className="memories">
        {memories.data?.map((memory) => (
          <li key={memory.id}>
            <small>{whom(memory.about)} · {memory.tier} · {day(memory.created_at)}</small>
            {editing === memory.id ? (
              <form onSubmit={(event) => save(event, memory.id)}>
                <label>
                  Memory
                  <textarea name="text" defaultValue={memory.text} rows={2} required />
                </label>
                <button type="submit">Save</button>{" "}
                <button type="button" className="secondary" onClick={() => setEditing(null)}>Cancel</button>
              </form>
            ) : (
              <p>
                {memory.text}{" "}
                <button type="button" className="secondary outline" onClick={() => setEditing(memory.id)}>
                  Correct<span className="sr-only"> this memory</span>
                </button>{" "}
                <button type="button" className="secondary outline" onClick={() => remove.mutate(memory.id)}>
                  Delete<span className="sr-only"> this memory</span>
                </button>
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
