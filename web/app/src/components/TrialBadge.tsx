// The trial's remaining days, messages and minutes, on every page of a trial company.
import { useQuery } from "@tanstack/react-query";
import { api, must } from "../api/client";
import type { AnswerOf } from "../api/types";

export type Trial = AnswerOf<"/v1/tenants/{tenant_id}/trial", "get">;

/** "12 days, 180 messages and 55 minutes left", or null when nothing is limited. */
export function trialWords(trial: Trial): string | null {
  if (!trial.trial) return null;
  const parts: string[] = [];
  if (trial.days_left !== null && trial.days_left !== undefined) {
    parts.push(`${trial.days_left} ${trial.days_left === 1 ? "day" : "days"}`);
  }
  if (trial.messages_left !== null && trial.messages_left !== undefined) {
    parts.push(`${trial.messages_left} ${trial.messages_left === 1 ? "message" : "messages"}`);
  }
  if (trial.minutes_left !== null && trial.minutes_left !== undefined) {
    const minutes = Math.floor(trial.minutes_left);
    parts.push(`${minutes} voice ${minutes === 1 ? "minute" : "minutes"}`);
  }
  if (parts.length === 0) return null;
  const last = parts.pop();
  return `Trial: ${parts.length ? `${parts.join(", ")} and ${last}` : last} left`;
}

export function TrialBadge({ tenantId }: { tenantId: string }) {
  const trial = useQuery({
    queryKey: ["trial", tenantId],
    queryFn: () => must(api.GET("/v1/tenants/{tenant_id}/trial", { params: { path: { tenant_id: tenantId } } })),
    refetchInterval: 60_000,
  });
  const words = trial.data ? trialWords(trial.data) : null;
  if (!words) return null;
  return (
    <p className="trial" aria-label="Trial remaining">
      {words}
    </p>
  );
}
