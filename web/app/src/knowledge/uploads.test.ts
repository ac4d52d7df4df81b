import { describe, expect, it } from "vitest";
import { describe as words, humanSize, uploadsReducer, type UploadRow } from "./uploads";

const two = uploadsReducer([], {
  kind: "added-files",
  files: [
    { key: "1", name: "warranty.pdf", size: 2048 },
    { key: "2", name: "prices.docx", size: 10 },
  ],
});

describe("uploadsReducer", () => {
  it("adds each dropped file as its own waiting row", () => {
    expect(two.map((row) => [row.name, row.state.status])).toEqual([
      ["warranty.pdf", "waiting"],
      ["prices.docx", "waiting"],
    ]);
  });

  it("moves one file without touching the others", () => {
    const sending = uploadsReducer(two, { kind: "progress", key: "1", fraction: 0.42 });
    const failed = uploadsReducer(sending, { kind: "failed", key: "2", reason: "This PDF is password-protected." });
    expect(failed.map((row: UploadRow) => row.state)).toEqual([
      { status: "sending", fraction: 0.42 },
      { status: "failed", reason: "This PDF is password-protected." },
    ]);
  });

  it("keeps progress between 0 and 1", () => {
    const over = uploadsReducer(two, { kind: "progress", key: "1", fraction: 1.7 });
    expect(over[0]?.state).toEqual({ status: "sending", fraction: 1 });
  });
});

describe("what a row says", () => {
  it("in plain words at every stage", () => {
    expect(words({ status: "waiting" })).toBe("Waiting…");
    expect(words({ status: "sending", fraction: 0.5 })).toBe("Uploading, 50%");
    expect(words({ status: "sending", fraction: 1 })).toBe("Reading the document…");
    expect(words({ status: "added", chunks: 12, duplicate: false })).toBe("Added (12 passages).");
    expect(words({ status: "added", chunks: 12, duplicate: true })).toContain("kept once");
    expect(words({ status: "failed", reason: "Too big." })).toBe("Too big.");
  });

  it("with sizes a person reads", () => {
    expect(humanSize(900)).toBe("900 bytes");
    expect(humanSize(2048)).toBe("2 KB");
    expect(humanSize(5 * 1024 * 1024)).toBe("5.0 MB");
  });
});
