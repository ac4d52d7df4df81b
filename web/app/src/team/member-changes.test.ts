import { describe, expect, it } from "vitest";
import type { User } from "../api/types";
import { formOf, memberChanges } from "./member-changes";

const SAM: User = {
  id: "u_1", name: "Sam Ortiz", phones: ["+15125550101"], email: "sam@peak.example", role: "sales_rep",
  has_pin: true, has_password: false, created_at: "2026-01-01T00:00:00Z",
};

describe("memberChanges", () => {
  it("sends nothing when nothing changed (the PIN is never shown, so empty keeps it)", () => {
    expect(memberChanges(SAM, formOf(SAM))).toEqual({});
  });

  it("sends only what changed, names and phones as typed", () => {
    const form = { ...formOf(SAM), name: " Sam Ortiz-Reyes ", phones: "+15125550101,\n (512) 555-0102", role: "manager" as const };
    expect(memberChanges(SAM, form)).toEqual({
      name: "Sam Ortiz-Reyes", phones: ["+15125550101", "(512) 555-0102"], role: "manager",
    });
  });

  it("clears phones and email when emptied", () => {
    expect(memberChanges(SAM, { ...formOf(SAM), phones: " ", email: "" })).toEqual({ phones: [], email: null });
  });

  it("sets a new PIN, or removes the PIN only when asked and there is one", () => {
    expect(memberChanges(SAM, { ...formOf(SAM), pin: " 4321 " })).toEqual({ pin: "4321" });
    expect(memberChanges(SAM, { ...formOf(SAM), removePin: true })).toEqual({ pin: null });
    expect(memberChanges({ ...SAM, has_pin: false }, { ...formOf(SAM), removePin: true })).toEqual({});
  });
});
