// How calls behave: when Hard-E decides the caller has finished (turn strategy), its voice, what
// happens when an unknown number calls, and the longest a call may last.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, must } from "../api/client";
import type { BodyOf } from "../api/types";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";

type Patch = BodyOf<"/v1/tenants/{tenant_id}/settings", "patch">;

export function SettingsPage({ tenantId }: { tenantId: string }) {
  const client = useQueryClient();
  const path = { params: { path: { tenant_id: tenantId } } };
  const key = ["settings", tenantId];
  const settings = useQuery({ queryKey: key, queryFn: () => must(api.GET("/v1/tenants/{tenant_id}/settings", path)) });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (settings.isPending) return <p aria-busy="true">Loading settings…</p>;
  if (settings.error) return <ProblemMessage error={settings.error} />;
  const current = settings.data;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    setSaved(false);
    const body: Patch = {
      unknown_caller_policy: String(form.get("policy")) as Patch["unknown_caller_policy"],
      voice: {
        turn_strategy: String(form.get("strategy")) as NonNullable<Patch["voice"]>["turn_strategy"],
        turn_stop_secs: Number(form.get("stop")),
        max_call_minutes: Number(form.get("minutes")),
        tts_voice: String(form.get("voice")) || null,
      } as Patch["voice"],
    };
    try {
      client.setQueryData(key, await must(api.PATCH("/v1/tenants/{tenant_id}/settings", { ...path, body })));
      setSaved(true);
    } catch (failed) {
      setError(failed);
    }
  };

  return (
    <section>
      <h1>Settings</h1>
      <form onSubmit={(event) => void submit(event)}>
        <fieldset>
          <legend>When the caller has finished speaking</legend>
          <label>
            <input type="radio" name="strategy" value="smart_turn" defaultChecked={current.voice.turn_strategy === "smart_turn"} />{" "}
            Smart: a model listens for the end of a sentence (recommended)
          </label>
          <label>
            <input type="radio" name="strategy" value="speech_timeout" defaultChecked={current.voice.turn_strategy === "speech_timeout"} />{" "}
            After a pause of a fixed length
          </label>
          <Field label="Pause length (seconds)" name="stop" type="number" step="0.1" min="0.2" max="5"
            defaultValue={current.voice.turn_stop_secs} />
        </fieldset>
        <Field label="Voice" name="voice" defaultValue={current.voice.tts_voice ?? ""} hint="The speech provider's voice id; empty for the default voice." />
        <label>
          When a number Hard-E does not know calls
          <select name="policy" defaultValue={current.unknown_caller_policy}>
            <option value="pin">Ask for a team member's PIN</option>
            <option value="read_only">Talk, but only look things up</option>
            <option value="refuse">Politely refuse and hang up</option>
          </select>
        </label>
        <Field label="Longest call (minutes)" name="minutes" type="number" min="1" max="240" defaultValue={current.voice.max_call_minutes} />
        <ProblemMessage error={error} />
        {saved && <p role="status" className="ok">Saved. The next call uses these settings.</p>}
        <button type="submit">Save settings</button>
      </form>
    </section>
  );
}
