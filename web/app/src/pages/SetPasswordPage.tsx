// A one-time link (a team member's welcome, or a reset printed by `harde user reset-password`):
// who it is for, a new password, and signed in.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, must } from "../api/client";
import { Field } from "../components/Field";
import { ProblemMessage } from "../components/ProblemMessage";
import { sessionChanged } from "../session/session";
import { passwordProblem } from "./password";

export function SetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const client = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const link = useQuery({
    queryKey: ["password-link", token],
    queryFn: () => must(api.GET("/v1/auth/password-links/{token}", { params: { path: { token } } })),
    enabled: token.length > 0,
    retry: false,
  });

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password"));
    const problem = passwordProblem(password, String(form.get("confirm")));
    if (problem) {
      setError(new Error(problem));
      return;
    }
    setBusy(true);
    try {
      const me = await must(
        api.POST("/v1/auth/password-links/{token}", { params: { path: { token } }, body: { password } }),
      );
      sessionChanged(client, me);
      navigate("/", { replace: true });
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="container narrow" id="main">
      <h1>Choose your password</h1>
      {!token && <p role="alert">This page needs the link you were given; open it again from where you got it.</p>}
      {link.isPending && token && <p aria-busy="true">Checking your link…</p>}
      {link.error && (
        <>
          <ProblemMessage error={link.error} />
          <p>Ask your company's owner or a manager for a new link, or <Link to="/sign-in">sign in</Link>.</p>
        </>
      )}
      {link.data && (
        <>
          <p>
            {link.data.purpose === "welcome" ? "Welcome" : "Hello"}, {link.data.name} ({link.data.email}) at{" "}
            {link.data.company}.
          </p>
          <form onSubmit={(event) => void submit(event)}>
            <Field label="New password" name="password" type="password" required minLength={10}
              autoComplete="new-password" hint="At least 10 characters." />
            <Field label="New password again" name="confirm" type="password" required autoComplete="new-password" />
            <ProblemMessage error={error} />
            <button type="submit" aria-busy={busy} disabled={busy}>Save and sign in</button>
          </form>
        </>
      )}
    </main>
  );
}
