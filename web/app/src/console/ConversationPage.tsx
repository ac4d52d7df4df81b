// One conversation: the summary, the transcript, the tools Hard-E called with their results and
// confirmations (and the undo of the last change), what it learned, and the latency of each voice turn.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { Link, useParams } from "react-router";
import { api, must } from "../api/client";
import { when } from "../components/dates";
import type { Me } from "../api/types";
import { ProblemMessage } from "../components/ProblemMessage";
import { can } from "../session/session";
import { callerName, channelLabel } from "./channels";
import { UndoButton } from "./UndoButton";

// The chart library is most of the app's weight and only this page draws a chart: it loads here.
const LatencyChart = lazy(() => import("./LatencyChart").then((module) => ({ default: module.LatencyChart })));

export function ConversationPage({ me, tenantId }: { me: Me; tenantId: string }) {
  const { id = "" } = useParams();
  const client = useQueryClient();
  const key = ["conversation", tenantId, id];
  const conversation = useQuery({
    queryKey: key,
    queryFn: () =>
      must(api.GET("/v1/tenants/{tenant_id}/history/{session_id}", { params: { path: { tenant_id: tenantId, session_id: id } } })),
  });
  if (conversation.isPending) return <p aria-busy="true">Loading the conversation…</p>;
  if (conversation.error) return <><ProblemMessage error={conversation.error} /><Link to="/">All conversations</Link></>;
  const found = conversation.data;
  return (
    <article className="conversation">
      <p><Link to="/">← All conversations</Link></p>
      <h1>{channelLabel(found.channel)} conversation with {callerName(found.caller)}</h1>
      <p>{when(found.started_at)}{found.ended_at ? ` to ${when(found.ended_at)}` : " (still going)"}, {found.turns} {found.turns === 1 ? "turn" : "turns"}.</p>
      <section aria-labelledby="summary-title">
        <h2 id="summary-title">Summary</h2>
        <p>{found.summary || "No summary yet (it is written when the conversation ends)."}</p>
      </section>
      <section aria-labelledby="transcript-title">
        <h2 id="transcript-title">Transcript</h2>
        <ol className="transcript" aria-label="Transcript">
          {found.lines.map((line, index) => (
            <li key={index} className={line.role === "caller" ? "you" : "hard-e"}>
              <strong>{line.role === "caller" ? callerName(found.caller) : "Hard-E"}:</strong> {line.text}
              {line.interrupted && <small> (interrupted)</small>}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="tools-title">
        <h2 id="tools-title">Tools</h2>
        {found.tools.length === 0 ? <p>Hard-E called no tools.</p> : (
          <ul className="tools" aria-label="Tool calls">
            {found.tools.map((tool, index) => (
              <li key={index}>
                <strong>{tool.name.replaceAll("_", " ")}</strong> — {tool.status}
                {tool.confirmation && <> ({tool.confirmation.state})</>}
                <br />
                <small>{when(tool.at)}</small>
                {tool.result_summary && <p>{tool.result_summary}</p>}
                <details>
                  <summary>Arguments</summary>
                  <pre>{JSON.stringify(tool.arguments, null, 2)}</pre>
                </details>
              </li>
            ))}
          </ul>
        )}
        <UndoButton tenantId={tenantId} sessionId={id} undoable={found.undoable} mayWrite={can(me, "tools:write")}
          onSettled={() => void client.invalidateQueries({ queryKey: key })} />
      </section>
      <section aria-labelledby="learned-title">
        <h2 id="learned-title">What Hard-E learned</h2>
        {found.learned.length === 0 ? <p>Nothing new to remember.</p> : (
          <ul>{found.learned.map((memory) => <li key={memory.id}>{memory.text}</li>)}</ul>
        )}
        <p><Link to="/memories">Correct or delete memories</Link></p>
      </section>
      <section aria-labelledby="latency-title">
        <h2 id="latency-title">Latency per turn</h2>
        <Suspense fallback={<p aria-busy="true">Drawing the chart…</p>}>
          <LatencyChart latency={found.latency} />
        </Suspense>
      </section>
    </article>
  );
}
