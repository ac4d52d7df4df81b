// The Undo button's states against a stand-in server on a real socket: hidden from a person who may
// not change the CRM and when nothing is left, a confirmation step before anything is sent, then the
// undone change (or the refusal) in words, and the page told to read the conversation again.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setCsrfToken } from "../api/session-bridge";
import { fakeServer, json, pageAt, problem, type FakeServer } from "../testing/fake-server";
import { UndoButton, type UndoButtonProps } from "./UndoButton";

const UNDO = "/v1/tenants/acme/history/tx_1/undo";
let server: FakeServer;
let answer: "undone" | "nothing" = "undone";
let settled = 0;

beforeEach(async () => {
  settled = 0;
  answer = "undone";
  server = await fakeServer((seen, response) => {
    if (seen.method !== "POST" || seen.path !== UNDO) return problem(response, 404, "not-found", "Nothing here.");
    if (answer === "nothing") {
      return problem(response, 409, "nothing-to-undo", "Nothing to undo in this conversation: its changes have already been taken back.");
    }
    return json(response, 200, { undone: "Deleted the note on 2405-118 (Smith roof).", action_id: "act_1" });
  });
  pageAt(server.origin);
  setCsrfToken("csrf-1");
});

afterEach(() => server.close());

function show(props: Partial<UndoButtonProps> = {}) {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <UndoButton tenantId="acme" sessionId="tx_1" undoable mayWrite onSettled={() => (settled += 1)} {...props} />
    </QueryClientProvider>,
  );
}

describe("UndoButton", () => {
  it("is not offered to a person who may not change the CRM, nor when nothing is left", () => {
    show({ mayWrite: false });
    expect(screen.queryByRole("button")).toBeNull();
    show({ undoable: false });
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("asks first, and keeping the change sends nothing", () => {
    show();
    fireEvent.click(screen.getByRole("button", { name: "Undo last change" }));
    expect(screen.getByText(/Take back the last change/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Keep it" }));
    expect(screen.getByRole("button", { name: "Undo last change" })).toBeTruthy();
    expect(server.seen).toEqual([]);
  });

  it("undoes after the yes, with the CSRF token, says what was undone and refreshes the page", async () => {
    show();
    fireEvent.click(screen.getByRole("button", { name: "Undo last change" }));
    fireEvent.click(screen.getByRole("button", { name: "Yes, undo it" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Undone: Deleted the note on 2405-118 (Smith roof)."));
    expect(server.seen.map((seen) => [seen.method, seen.path, seen.headers["x-csrf-token"]])).toEqual([["POST", UNDO, "csrf-1"]]);
    expect(settled).toBe(1);
  });

  it("says in plain words when there is nothing left to undo", async () => {
    answer = "nothing";
    show();
    fireEvent.click(screen.getByRole("button", { name: "Undo last change" }));
    fireEvent.click(screen.getByRole("button", { name: "Yes, undo it" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Nothing to undo in this conversation"));
    expect(settled).toBe(1);
  });
});
