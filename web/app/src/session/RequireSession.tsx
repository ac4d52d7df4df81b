// Pages for signed-in people: without a session, the sign-in page (and back here afterwards);
// operators and tenant members each get their own side of the app.
import { Navigate, useLocation } from "react-router";
import type { ReactNode } from "react";
import type { Me } from "../api/types";
import { ProblemMessage } from "../components/ProblemMessage";
import { useMe } from "./session";

export function RequireSession({
  kind,
  children,
}: {
  kind: Me["kind"];
  children: (me: Me) => ReactNode;
}) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <p aria-busy="true">Loading…</p>;
  if (me.error) return <main className="container"><ProblemMessage error={me.error} /></main>;
  if (!me.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  if (me.data.kind !== kind) return <Navigate to={me.data.kind === "operator" ? "/operator" : "/"} replace />;
  return <>{children(me.data)}</>;
}

/** A page only some roles may open: the others are told so (the API would refuse them anyway). */
export function RequireScope({ me, scope, children }: { me: Me; scope: Me["permissions"][number]; children: ReactNode }) {
  if (!me.permissions.includes(scope)) {
    return (
      <section>
        <h1>Not available to you</h1>
        <p role="alert">
          Your role does not include this page. Ask your company's owner or a manager if you need it.
        </p>
      </section>
    );
  }
  return <>{children}</>;
}
