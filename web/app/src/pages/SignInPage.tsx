// Sign-in for people (email and password) and, behind a switch, for the operator (their token).
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { Me } from "../api/types";
import { Field } from "../components/Field";
import { OfflineBanner } from "../components/OfflineBanner";
import { ProblemMessage } from "../components/ProblemMessage";
import { sessionChanged } from "../session/session";
import { operatorSignIn, signIn } from "../session/sign-in";

/** Where to go after signing in: back to the page that sent the person here, if it is ours. */
export function afterSignIn(me: Me, next: string | null): string {
  if (next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/sign-in")) return next;
  return me.kind === "operator" ? "/operator" : "/";
}

export function SignInPage() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [operator, setOperator] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const me = operator
        ? await operatorSignIn(String(form.get("token")))
        : await signIn(String(form.get("email")), String(form.get("password")));
      sessionChanged(client, me);
      navigate(afterSignIn(me, params.get("next")), { replace: true });
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="container narrow" id="main">
      <OfflineBanner />
      <h1>Sign in to Hard-E</h1>
      <form onSubmit={(event) => void submit(event)}>
        {operator ? (
          <Field label="Operator token" name="token" type="password" autoComplete="off" required
            hint="The hdo_ token printed by `harde operator-token`." />
        ) : (
          <>
            <Field label="Email" name="email" type="email" autoComplete="username" required />
            <Field label="Password" name="password" type="password" autoComplete="current-password" required />
          </>
        )}
        <ProblemMessage error={error} />
        <button type="submit" aria-busy={busy} disabled={busy}>Sign in</button>
      </form>
      <p>
        Forgot your password? Ask your company's owner or a manager for a new sign-in link (Team page).
      </p>
      <p>
        <button type="button" className="link" onClick={() => setOperator(!operator)}>
          {operator ? "Sign in with email instead" : "Sign in as the operator"}
        </button>
      </p>
      <p><Link to="/welcome">Have an invite code?</Link></p>
    </main>
  );
}
