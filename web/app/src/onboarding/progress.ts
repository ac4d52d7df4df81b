// The guided set-up's steps in order, and where a person stands in them.
import type { AnswerOf } from "../api/types";

export type Onboarding = AnswerOf<"/v1/tenants/{tenant_id}/onboarding", "get">;
export type StepId = "company" | "leap" | "personality" | "knowledge" | "team" | "talk";

export const STEP_ORDER: StepId[] = ["company", "leap", "personality", "knowledge", "team", "talk"];

export function isStep(value: string | undefined): value is StepId {
  return STEP_ORDER.includes(value as StepId);
}

/** The step after `step`, or null after the last one. */
export function stepAfter(step: StepId): StepId | null {
  return STEP_ORDER[STEP_ORDER.indexOf(step) + 1] ?? null;
}

/** "3 of 6 steps finished": done and skipped both count, as both are decided. */
export function progressWords(onboarding: Onboarding): { finished: number; total: number; words: string } {
  const total = onboarding.steps.length;
  const finished = onboarding.steps.filter((step) => step.status !== "todo").length;
  return { finished, total, words: `${finished} of ${total} steps finished` };
}
