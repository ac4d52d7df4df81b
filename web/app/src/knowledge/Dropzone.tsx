// Drop documents (or pick them): each file uploads in turn with its own progress, and a refused
// file says why in the server's plain words while the others carry on.
import { useId, useReducer, useRef, useState, type DragEvent } from "react";
import { nextStep } from "../api/problem";
import type { Upload } from "./upload";
import { describe, humanSize, uploadsReducer } from "./uploads";

export const ACCEPTED = ".pdf,.docx,.txt,.md";

export function Dropzone({ upload, onAdded }: { upload: Upload; onAdded?: () => void }) {
  const [rows, dispatch] = useReducer(uploadsReducer, []);
  const [over, setOver] = useState(false);
  const counter = useRef(0);
  const inputId = useId();

  const start = async (files: File[]) => {
    const keyed = files.map((file) => ({ key: `${++counter.current}`, file }));
    dispatch({ kind: "added-files", files: keyed.map(({ key, file }) => ({ key, name: file.name, size: file.size })) });
    for (const { key, file } of keyed) {
      try {
        const answer = await upload(file, (fraction) => dispatch({ kind: "progress", key, fraction }));
        dispatch({ kind: "done", key, chunks: answer.document.chunk_count, duplicate: answer.duplicate });
        onAdded?.();
      } catch (error) {
        const reason = error instanceof Error ? error.message : "The upload failed.";
        dispatch({ kind: "failed", key, reason: [reason, nextStep(error)].filter(Boolean).join(" ") });
      }
    }
  };

  const drop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setOver(false);
    void start(Array.from(event.dataTransfer.files));
  };

  return (
    <div>
      <div className={over ? "dropzone over" : "dropzone"} onDragOver={(event) => { event.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)} onDrop={drop} data-testid="dropzone">
        <p>Drop documents here (PDF, Word, plain text or Markdown), or</p>
        <label htmlFor={inputId} className="file-pick">
          Choose files
          <input id={inputId} type="file" multiple accept={ACCEPTED}
            onChange={(event) => { void start(Array.from(event.target.files ?? [])); event.target.value = ""; }} />
        </label>
      </div>
      {rows.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {rows.map((row) => (
            <li key={row.key} data-status={row.state.status}>
              <strong>{row.name}</strong> <small>{humanSize(row.size)}</small>{" "}
              {row.state.status === "sending" && (
                <progress value={row.state.fraction} max={1} aria-label={`Uploading ${row.name}`} />
              )}
              <span role={row.state.status === "failed" ? "alert" : "status"}>{describe(row.state)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
