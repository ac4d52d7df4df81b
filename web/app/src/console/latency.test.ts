import { describe, expect, it } from "vitest";
import { latencyRows, STAGES } from "./latency";

describe("latencyRows", () => {
  it("gives one bar per turn, in turn order, with every stage in whole milliseconds", () => {
    const rows = latencyRows([
      { turn: 2, total_ms: 900, stages_ms: { endpointing: 200, transcription: 100, turn: 50, llm: 400, speech: 150 } },
      { turn: 1, total_ms: 1200.4, stages_ms: { endpointing: 300, llm: 700.6 } },
    ]);
    expect(rows).toEqual([
      { label: "Turn 1", total: 1200, endpointing: 300, transcription: 0, turn: 0, llm: 701, speech: 0, other: 0 },
      { label: "Turn 2", total: 900, endpointing: 200, transcription: 100, turn: 50, llm: 400, speech: 150, other: 0 },
    ]);
  });

  it("keeps the turn stage apart from the bar's name", () => {
    const [row] = latencyRows([{ turn: 7, total_ms: 80, stages_ms: { turn: 80 } }]);
    expect(row?.label).toBe("Turn 7");
    expect(row?.turn).toBe(80);
  });

  it("stacks the stages in the order a turn passes through them", () => {
    expect(STAGES.map((stage) => stage.key)).toEqual(["endpointing", "transcription", "turn", "llm", "speech", "other"]);
  });

  it("names turn 0 the greeting, and draws what no stage explains as other", () => {
    const [greeting] = latencyRows([{ turn: 0, total_ms: 640, stages_ms: { speech: 90, other: 550 } }]);
    expect(greeting).toMatchObject({ label: "Greeting", speech: 90, other: 550 });
  });

  it("counts a missing, negative or non-number stage as zero, so the bar still stacks", () => {
    const [row] = latencyRows([{ turn: 1, total_ms: 10, stages_ms: { endpointing: -5, transcription: Number.NaN } }]);
    expect(row).toMatchObject({ endpointing: 0, transcription: 0, turn: 0, llm: 0, speech: 0, other: 0 });
  });

  it("draws nothing for a conversation with no voice turns", () => {
    expect(latencyRows([])).toEqual([]);
  });
});
