// The per-turn latency breakdown as the chart draws it: one row per turn, one number per stage
// (missing stages count as 0 so each bar still stacks), and the stages in the order a turn
// passes through them. "Other" is what the server measured but could not name, so a bar is as
// tall as the turn's whole wait. Turn 0 is the greeting: from the call connecting to first audio.
import type { AnswerOf } from "../api/types";

export type Conversation = AnswerOf<"/v1/tenants/{tenant_id}/history/{session_id}", "get">;
export type TurnLatency = Conversation["latency"][number];

export const STAGES = [
  { key: "endpointing", label: "Endpointing", colour: "#5b6b8c" },
  { key: "transcription", label: "Transcription", colour: "#1f77b4" },
  { key: "turn", label: "Turn", colour: "#9467bd" },
  { key: "llm", label: "LLM", colour: "#d95f02" },
  { key: "speech", label: "Speech", colour: "#1b9e77" },
  { key: "other", label: "Other", colour: "#9aa0a6" },
] as const;

export type StageKey = (typeof STAGES)[number]["key"];
/** `label` names the bar ("Greeting", "Turn 3"); the stage called `turn` is one of the numbers. */
export type LatencyRow = { label: string; total: number } & Record<StageKey, number>;

function ms(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

export function latencyRows(latency: TurnLatency[]): LatencyRow[] {
  return [...latency]
    .sort((a, b) => a.turn - b.turn)
    .map((entry) => {
      const stages = (entry.stages_ms ?? {}) as Record<string, unknown>;
      const label = entry.turn === 0 ? "Greeting" : `Turn ${entry.turn}`;
      const row = { label, total: ms(entry.total_ms) } as LatencyRow;
      for (const stage of STAGES) row[stage.key] = ms(stages[stage.key]);
      return row;
    });
}
