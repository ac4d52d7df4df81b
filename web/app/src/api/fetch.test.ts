// The app's fetch against a stand-in server on loopback: a short rate-limit wait is waited out
// and the same request sent again; a long one is the person's to see.
import { afterEach, describe, expect, it } from "vitest";
import { fakeServer, json, problem, type FakeServer } from "../testing/fake-server";
import { appFetch } from "./fetch";

let server: FakeServer | null = null;
afterEach(() => server?.close());

function post(origin: string): Request {
  return new Request(`${origin}/v1/tenants/acme/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: "Chris" }),
  });
}

describe("a rate-limited burst", () => {
  it("waits the short Retry-After and sends the same request again", async () => {
    let calls = 0;
    server = await fakeServer((seen, response) => {
      calls += 1;
      if (calls === 1) return problem(response, 429, "rate-limited", "Too many requests.", { "Retry-After": "1" });
      json(response, 201, { echoed: JSON.parse(seen.body.toString()) });
    });
    const answer = await appFetch(post(server.origin));
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({ echoed: { name: "Chris" } });
    expect(server.seen.map((seen) => seen.body.toString())).toEqual(['{"name":"Chris"}', '{"name":"Chris"}']);
  });

  it("gives a long wait back to the page to show", async () => {
    server = await fakeServer((_seen, response) =>
      problem(response, 429, "rate-limited", "Leap is busy.", { "Retry-After": "60" }),
    );
    const answer = await appFetch(post(server.origin));
    expect(answer.status).toBe(429);
    expect(server.seen).toHaveLength(1);
  });
});
