import { describe, expect, it } from "vitest";
import { trialWords, type Trial } from "./TrialBadge";

const trial = (fields: Partial<Trial>): Trial =>
  ({ trial: true, expires_at: null, days_left: null, messages_used: 0, messages_left: null, minutes_used: 0, minutes_left: null, ...fields }) as Trial;

describe("the trial's remaining allowance", () => {
  it("names what is left, in words", () => {
    expect(trialWords(trial({ days_left: 12, messages_left: 180, minutes_left: 55.7 }))).toBe(
      "Trial: 12 days, 180 messages and 55 voice minutes left",
    );
    expect(trialWords(trial({ days_left: 1 }))).toBe("Trial: 1 day left");
    expect(trialWords(trial({ messages_left: 1, minutes_left: 1 }))).toBe("Trial: 1 message and 1 voice minute left");
  });

  it("shows nothing for a company that is not on a trial, or has nothing limited", () => {
    expect(trialWords(trial({ trial: false, days_left: 3 }))).toBeNull();
    expect(trialWords(trial({}))).toBeNull();
  });
});
