// Editing a member against a stand-in server on a real socket: only the changes are sent, and a
// refusal (a phone another member has) is shown in plain words while the form keeps what was typed.
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setCsrfToken } from "../api/session-bridge";
import type { User } from "../api/types";
import { fakeServer, json, pageAt, problem, type FakeServer } from "../testing/fake-server";
import { EditMember } from "./EditMember";

const SAM: User = {
  id: "u_1", name: "Sam Ortiz", phones: ["+15125550101"], email: null, role: "crew",
  has_pin: false, has_password: false, created_at: "2026-01-01T00:00:00Z",
};
let server: FakeServer;
let done: boolean[] = [];

beforeEach(async () => {
  done = [];
  server = await fakeServer((seen, response) => {
    const body = JSON.parse(seen.body.toString()) as { phones?: string[] };
    if (body.phones?.includes("+15125550199")) {
      return problem(response, 409, "phone-taken", "+15125550199 is already Dana Whitfield's number; each phone belongs to one person.");
    }
    return json(response, 200, { ...SAM, ...body });
  });
  pageAt(server.origin);
  setCsrfToken("csrf-1");
});

afterEach(() => server.close());

function edit() {
  render(<EditMember tenantId="acme" user={SAM} onDone={(saved) => done.push(saved)} />);
}

describe("EditMember", () => {
  it("sends only what changed and says it is done", async () => {
    edit();
    fireEvent.change(screen.getByLabelText("Role"), { target: { value: "sales_rep" } });
    fireEvent.change(screen.getByLabelText("New PIN"), { target: { value: "2468" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(done).toEqual([true]));
    expect(server.seen.map((seen) => [seen.method, seen.path])).toEqual([["PATCH", "/v1/tenants/acme/users/u_1"]]);
    expect(JSON.parse(server.seen[0]!.body.toString())).toEqual({ role: "sales_rep", pin: "2468" });
  });

  it("shows a taken phone in plain words and keeps the form as typed", async () => {
    edit();
    const phones = screen.getByLabelText("Phone numbers") as HTMLInputElement;
    fireEvent.change(phones, { target: { value: "+15125550199" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("already Dana Whitfield's number"));
    expect(phones.value).toBe("+15125550199");
    expect(done).toEqual([]);
  });

  it("closes without a request when nothing changed", () => {
    edit();
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(done).toEqual([false]);
    expect(server.seen).toEqual([]);
  });
});
