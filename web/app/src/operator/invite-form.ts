// The invite form's fields as the API takes them: an empty limit means unlimited (null).
import type { BodyOf } from "../api/types";

export type InviteBody = BodyOf<"/v1/invites", "post">;

function limit(value: FormDataEntryValue | null): number | null {
  const text = String(value ?? "").trim();
  return text === "" ? null : Number(text);
}

export function inviteBody(form: FormData): InviteBody {
  return {
    trial_days: Number(form.get("days") || 14),
    max_messages: limit(form.get("messages")),
    max_voice_minutes: limit(form.get("minutes")),
    note: String(form.get("note") ?? ""),
  };
}
