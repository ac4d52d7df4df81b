// Channels and callers in words.
import type { AnswerOf } from "../api/types";

type Caller = AnswerOf<"/v1/tenants/{tenant_id}/history", "get">["items"][number]["caller"];
export type Channel = AnswerOf<"/v1/tenants/{tenant_id}/history", "get">["items"][number]["channel"];

export const CHANNELS: Record<Channel, string> = {
  phone: "Phone",
  webrtc: "Browser",
  text: "Text",
  api: "Direct Tools",
};

export function channelLabel(channel: Channel): string {
  return CHANNELS[channel] ?? channel;
}

/** Who was on the other side: a team member by name, an API key, or an unknown caller. */
export function callerName(caller: Caller | null | undefined): string {
  if (caller?.name) return caller.name;
  if (caller?.key_id) return `API key ${caller.key_id}`;
  return "an unknown caller";
}
