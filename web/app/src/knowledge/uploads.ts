// The state of each file dropped for upload, one row per file: waiting, sending (how much),
// added, or refused with the reason in plain words.

export type UploadState =
  | { status: "waiting" }
  | { status: "sending"; fraction: number }
  | { status: "added"; chunks: number; duplicate: boolean }
  | { status: "failed"; reason: string };

export interface UploadRow {
  key: string;
  name: string;
  size: number;
  state: UploadState;
}

export type UploadEvent =
  | { kind: "added-files"; files: { key: string; name: string; size: number }[] }
  | { kind: "progress"; key: string; fraction: number }
  | { kind: "done"; key: string; chunks: number; duplicate: boolean }
  | { kind: "failed"; key: string; reason: string };

export function uploadsReducer(rows: UploadRow[], event: UploadEvent): UploadRow[] {
  const update = (key: string, state: UploadState) => rows.map((row) => (row.key === key ? { ...row, state } : row));
  switch (event.kind) {
    case "added-files":
      return [...rows, ...event.files.map((file) => ({ ...file, state: { status: "waiting" } as UploadState }))];
    case "progress":
      return update(event.key, { status: "sending", fraction: Math.min(1, Math.max(0, event.fraction)) });
    case "done":
      return update(event.key, { status: "added", chunks: event.chunks, duplicate: event.duplicate });
    case "failed":
      return update(event.key, { status: "failed", reason: event.reason });
  }
}

/** What a row says next to the file's name. */
export function describe(state: UploadState): string {
  switch (state.status) {
    case "waiting":
      return "Waiting…";
    case "sending":
      return state.fraction >= 1 ? "Reading the document…" : `Uploading, ${Math.round(state.fraction * 100)}%`;
    case "added":
      return state.duplicate ? "Already in your knowledge (same file); kept once." : `Added (${state.chunks} passages).`;
    case "failed":
      return state.reason;
  }
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
