// The drop zone with the real uploader against a stand-in server on loopback: each file gets its
// own row; a refused file shows the server's plain words and the others still upload.
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setCsrfToken } from "../api/session-bridge";
import { fakeServer, json, pageAt, problem, type FakeServer } from "../testing/fake-server";
import { Dropzone } from "./Dropzone";
import { uploadTo } from "./upload";

let server: FakeServer;

beforeEach(async () => {
  server = await fakeServer((seen, response) => {
    const text = seen.body.toString("latin1");
    if (text.includes('filename="scan.pdf"')) {
      problem(response, 422, "unreadable-document", "scan.pdf has no text we can read (it looks like a scanned image). Save it as a text PDF and upload it again.");
      return;
    }
    const name = /filename="([^"]+)"/.exec(text)?.[1] ?? "?";
    json(response, 201, {
      document: { id: `doc_${name}`, name, kind: "md", size_bytes: 10, chunk_count: 3, added_at: "2026-01-01T00:00:00Z" },
      duplicate: false,
    });
  });
  pageAt(server.origin);
  setCsrfToken("csrf-123");
});

afterEach(() => server.close());

function drop(files: File[]): void {
  fireEvent.drop(screen.getByTestId("dropzone"), { dataTransfer: { files } });
}

describe("Dropzone", () => {
  it("uploads each dropped file and says how each went", async () => {
    let added = 0;
    render(<Dropzone upload={uploadTo("acme")} onAdded={() => added++} />);
    drop([
      new File(["# Warranty\n50 years"], "warranty.md", { type: "text/markdown" }),
      new File(["%PDF-1.4 image only"], "scan.pdf", { type: "application/pdf" }),
      new File(["# Prices"], "prices.md", { type: "text/markdown" }),
    ]);
    const list = await screen.findByRole("list", { name: "Uploads" });
    await waitFor(() => expect(within(list).getAllByText(/Added \(3 passages\)/)).toHaveLength(2));
    const refused = within(list).getByRole("alert");
    expect(refused.textContent).toContain("scanned image");
    expect(refused.closest("li")?.textContent).toContain("scan.pdf");
    expect(added).toBe(2);
    expect(server.seen.map((seen) => [seen.method, seen.path])).toEqual([
      ["POST", "/v1/tenants/acme/knowledge"],
      ["POST", "/v1/tenants/acme/knowledge"],
      ["POST", "/v1/tenants/acme/knowledge"],
    ]);
    expect(server.seen.every((seen) => seen.headers["x-csrf-token"] === "csrf-123")).toBe(true);
  });
});
