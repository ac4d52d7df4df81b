// "Undo last change" on a conversation: the same undo as saying "undo that" in it, for a person who
// may change the CRM. A confirmation step first (it changes Leap), then what was undone, in words.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, must } from "../api/client";
import { ProblemMessage } from "../components/ProblemMessage";

export interface UndoButtonProps {
  tenantId: string;
  sessionId: string;
  /** The conversation still has a change that can be taken back. */
  undoable: boolean;
  /** The signed-in person may change the CRM (`tools:write`). */
  mayWrite: boolean;
  /** After an undo (or a refusal): read the conversation again. */
  onSettled: () => void;
}

export function UndoButton({ tenantId, sessionId, undoable, mayWrite, onSettled }: UndoButtonProps) {
  const [asking, setAsking] = useState(false);
  const undo = useMutation({
    mutationFn: () =>
      must(api.POST("/v1/tenants/{tenant_id}/history/{session_id}/undo", { params: { path: { tenant_id: tenantId, session_id: sessionId } } })),
    onSettled: () => {
      setAsking(false);
      onSettled();
    },
  });
  if (!mayWrite) return null;
  const outcome = (
    <>
      {undo.data && <p role="status">Undone: {undo.data.undone}</p>}
      <ProblemMessage error={undo.error} />
    </>
  );
  if (!undoable) return outcome;
  if (!asking) {
    return (
      <>
        {outcome}
        <button type="button" className="secondary" onClick={() => { undo.reset(); setAsking(true); }}>Undo last change</button>
      </>
    );
  }
  return (
    <div role="group" aria-labelledby="undo-question">
      <p id="undo-question">Take back the last change this conversation made in Leap?</p>
      <button type="button" aria-busy={undo.isPending} disabled={undo.isPending} onClick={() => undo.mutate()}>Yes, undo it</button>{" "}
      <button type="button" className="secondary outline" disabled={undo.isPending} onClick={() => setAsking(false)}>Keep it</button>
    </div>
  );
}
