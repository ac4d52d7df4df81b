import { describe, expect, it } from "vitest";
import type { Me } from "../api/types";
import { pagesFor } from "./nav";

const person = (permissions: string[]) => ({ kind: "user", permissions }) as unknown as Me;

describe("the menu", () => {
  it("offers a crew member only what their role may open", () => {
    expect(pagesFor(person(["tools:read", "conversations"])).map((page) => page.label)).toEqual(["Conversations"]);
  });

  it("adds knowledge for a sales rep, everything for an owner", () => {
    expect(pagesFor(person(["tools:read", "tools:write", "knowledge", "conversations"])).map((page) => page.label)).toEqual([
      "Conversations",
      "Knowledge",
    ]);
    expect(pagesFor(person(["tools:read", "tools:write", "knowledge", "conversations", "admin"]))).toHaveLength(10);
  });

  it("gives the operator the operator's pages", () => {
    expect(pagesFor({ kind: "operator", permissions: [] } as unknown as Me).map((page) => page.to)).toEqual([
      "/operator",
      "/operator/invites",
      "/operator/usage",
    ]);
  });
});
