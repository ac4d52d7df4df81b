// When the session ends while a form is open (idle expiry, signed out elsewhere), the next change
// answers 401. Rather than lose what was typed, this dialog opens over the page; once the person
// has signed in again, the request that failed is sent once more (api/fetch.ts).
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { onReauthenticate } from "../api/session-bridge";
import { ProblemMessage } from "../components/ProblemMessage";
import { Field } from "../components/Field";
import { signIn } from "./sign-in";
import { sessionChanged, useMe } from "./session";

type Pending = { resolve: (token: string | null) => void };

export function ReauthDialog() {
  const client = useQueryClient();
  const me = useMe().data;
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const waiting = useRef<Promise<string | null> | null>(null);

  useEffect(() => {
    onReauthenticate(() => {
      // Several requests can fail together: one dialog, one sign-in, every request sent again.
      waiting.current ??= new Promise<string | null>((resolve) => setPending({ resolve })).finally(() => {
        waiting.current = null;
      });
      return waiting.current;
    });
    return () => onReauthenticate(null);
  }, []);

  if (!pending) return null;

  const finish = (token: string | null) => {
    pending.resolve(token);
    setPending(null);
    setError(null);
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      const fresh = await signIn(String(form.get("email")), String(form.get("password")));
      if (me?.user && fresh.user?.id !== me.user.id) {
        // Someone else signed in: their session must not send what the first person typed.
        sessionChanged(client, fresh);
        finish(null);
        return;
      }
      sessionChanged(client, fresh);
      finish(fresh.csrf_token);
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog open aria-labelledby="reauth-title">
      <article>
        <h2 id="reauth-title">Please sign in again</h2>
        <p>
          Your session ended (you were away a while, or signed out in another tab). Sign in and what you
          were doing is sent as you left it; nothing you typed is lost.
        </p>
        <form onSubmit={(event) => void submit(event)}>
          <Field label="Email" name="email" type="email" autoComplete="username" required
            defaultValue={me?.user?.email ?? ""} />
          <Field label="Password" name="password" type="password" autoComplete="current-password" required />
          <ProblemMessage error={error} />
          <button type="submit" aria-busy={busy} disabled={busy}>Sign in and continue</button>{" "}
          <button type="button" className="secondary" onClick={() => finish(null)}>Cancel</button>
        </form>
      </article>
    </dialog>
  );
}
