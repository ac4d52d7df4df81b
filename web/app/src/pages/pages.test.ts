import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import type { Me } from "../api/types";
import { passwordProblem } from "./password";
import { afterSignIn } from "./SignInPage";
import { inviteRefusal } from "./WelcomePage";

const problem = (slug: string, status = 410) => new ApiError(status, `https://hard-e.dev/problems/${slug}`, slug, "server words");

describe("an invite that cannot be used", () => {
  it("says why and what to do instead, for each kind", () => {
    expect(inviteRefusal(problem("invite-expired"))).toMatch(/has expired\. Ask the person who sent it for a new link/);
    expect(inviteRefusal(problem("invite-used"))).toMatch(/used already.*sign in instead/);
    expect(inviteRefusal(problem("invite-revoked"))).toMatch(/withdrawn.*new link/);
    expect(inviteRefusal(problem("invite-not-found", 404))).toMatch(/whole link was copied/);
  });

  it("leaves other problems to the server's own words", () => {
    expect(inviteRefusal(problem("rate-limited", 429))).toBeNull();
    expect(inviteRefusal(new Error("boom"))).toBeNull();
  });
});

describe("a new password", () => {
  it("needs 10 characters, typed the same twice", () => {
    expect(passwordProblem("short", "short")).toMatch(/at least 10 characters/);
    expect(passwordProblem("long enough!", "long enough?")).toMatch(/different/);
    expect(passwordProblem("long enough!", "long enough!")).toBeNull();
  });
});

describe("after signing in", () => {
  const user = { kind: "user" } as Me;
  const operator = { kind: "operator" } as Me;

  it("goes back to the page that asked, if it is one of ours", () => {
    expect(afterSignIn(user, "/knowledge?x=1")).toBe("/knowledge?x=1");
    expect(afterSignIn(user, "//evil.example/")).toBe("/");
    expect(afterSignIn(user, "https://evil.example/")).toBe("/");
    expect(afterSignIn(user, "/sign-in")).toBe("/");
  });

  it("opens each kind of person's own start page otherwise", () => {
    expect(afterSignIn(user, null)).toBe("/");
    expect(afterSignIn(operator, null)).toBe("/operator");
  });
});
