import { describe, expect, it } from "vitest";
import { inviteBody } from "./invite-form";
import { inviteState } from "./InvitesPage";

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

describe("a new invite", () => {
  it("takes the limits as typed, and an empty limit as unlimited", () => {
    expect(inviteBody(form({ days: "30", messages: "500", minutes: "", note: "Expo" }))).toEqual({
      trial_days: 30,
      max_messages: 500,
      max_voice_minutes: null,
      note: "Expo",
    });
  });
});

describe("an invite's state", () => {
  const base = {
    id: "inv_1", prefix: "hdi_ab", note: "", created_at: "2026-01-01T00:00:00Z", expires_at: "2026-02-01T00:00:00Z",
    trial_days: 14, max_messages: 200, max_voice_minutes: 60, revoked_at: null, redeemed_at: null, tenant_id: null,
  };
  const now = new Date("2026-01-15T00:00:00Z");

  it("says open, redeemed (by whom), revoked or expired", () => {
    expect(inviteState(base, now)).toMatch(/^Open until/);
    expect(inviteState({ ...base, redeemed_at: "2026-01-02T00:00:00Z", tenant_id: "peak" }, now)).toMatch(/^Redeemed .*\(peak\)$/);
    expect(inviteState({ ...base, revoked_at: "2026-01-03T00:00:00Z" }, now)).toMatch(/^Revoked/);
    expect(inviteState(base, new Date("2026-03-01T00:00:00Z"))).toMatch(/^Expired/);
  });
});
