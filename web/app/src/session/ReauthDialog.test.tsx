// A session that ends while a form is open: the change answers 401, a dialog asks the person to
// sign in again over the page, and the same change is then sent once more with the new session's
// CSRF token. Requests cross a real socket to a stand-in server.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appFetch } from "../api/fetch";
import { NetworkError } from "../api/problem";
import { setCsrfToken } from "../api/session-bridge";
import { fakeServer, json, pageAt, problem, type FakeServer } from "../testing/fake-server";
import { ReauthDialog } from "./ReauthDialog";

const ME = {
  kind: "user",
  csrf_token: "csrf-new",
  user: { id: "u_1", name: "Sam Ortiz", email: "sam@peak.example", role: "owner" },
  tenant: null,
  permissions: ["admin"],
};

let server: FakeServer;
let signedIn = false;

beforeEach(async () => {
  signedIn = false;
  server = await fakeServer((seen, response) => {
    if (seen.path === "/v1/auth/me") return signedIn ? json(response, 200, ME) : problem(response, 401, "not-signed-in", "Sign in first.");
    if (seen.path === "/v1/auth/sign-in") {
      const body = JSON.parse(seen.body.toString()) as { password: string };
      if (body.password !== "right password") return problem(response, 401, "invalid-credentials", "The email or password is wrong.");
      signedIn = true;
      return json(response, 200, ME);
    }
    if (!signedIn) return problem(response, 401, "not-signed-in", "Your session has ended.");
    return json(response, 200, { saved: JSON.parse(seen.body.toString()) });
  });
  pageAt(server.origin);
  setCsrfToken("csrf-old");
});

afterEach(() => server.close());

function renderDialog() {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <ReauthDialog />
    </QueryClientProvider>,
  );
}

function save(text: string): Promise<Response> {
  return appFetch(
    new Request(`${server.origin}/v1/tenants/acme/settings`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ soul_document: text }),
    }),
  );
}

describe("an expired session mid-form", () => {
  it("asks to sign in again, then sends the same change with the new session", async () => {
    renderDialog();
    const saving = save("Push the 50-year warranty.");
    const dialog = await screen.findByRole("dialog", { name: "Please sign in again" });
    expect(dialog.textContent).toContain("nothing you typed is lost");

    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "sam@peak.example" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "wrong password" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in and continue" }));
    await screen.findByText(/email or password is wrong/);

    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "right password" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in and continue" }));
    const answer = await saving;

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ saved: { soul_document: "Push the 50-year warranty." } });
    const patches = server.seen.filter((seen) => seen.method === "PATCH");
    expect(patches.map((seen) => seen.headers["x-csrf-token"])).toEqual(["csrf-old", "csrf-new"]);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("gives the 401 back, unsent, when the person cancels", async () => {
    renderDialog();
    const saving = save("Draft");
    fireEvent.click(await screen.findByRole("button", { name: "Cancel" }));
    expect((await saving).status).toBe(401);
    expect(server.seen.filter((seen) => seen.method === "PATCH")).toHaveLength(1);
  });
});

describe("a lost network", () => {
  it("says so in plain words, and what to do", async () => {
    const origin = server.origin;
    await server.close();
    server = await fakeServer(() => undefined); // afterEach closes this one
    const failed = appFetch(new Request(`${origin}/v1/auth/me`)).catch((error: unknown) => error);
    const error = await failed;
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/can't be reached.*what you typed is kept/);
  });
});
