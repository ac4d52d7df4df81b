// Redeeming an invite link: what the trial includes, then the company and the owner's account in
// one form. An invite that is expired, used or revoked says so and what to do instead.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, must } from "../api/client";
import { ApiError } from "../api/problem";
import { day } from "../components/dates";
import { Field } from "../components/Field";
import { OfflineBanner } from "../components/OfflineBanner";
import { ProblemMessage } from "../components/ProblemMessage";
import { sessionChanged } from "../session/session";
import { passwordProblem } from "./password";

/** Why an invite cannot be used, for the problems the lookup and redeem answer. */
export function inviteRefusal(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  const advice = "Ask the person who sent it for a new link.";
  switch (error.slug) {
    case "invite-expired":
      return `This invite link has expired. ${advice}`;
    case "invite-used":
      return "This invite link has been used already. If it was you, sign in instead; otherwise ask for a new link.";
    case "invite-revoked":
      return `This invite link was withdrawn by the person who sent it. ${advice}`;
    case "invite-not-found":
      return `This invite link is not one we know. Check that the whole link was copied, or ${advice.toLowerCase()}`;
    default:
      return null;
  }
}

export function WelcomePage() {
  const [params] = useSearchParams();
  const code = params.get("invite") ?? "";
  const client = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const invite = useQuery({
    queryKey: ["invite", code],
    queryFn: () => must(api.GET("/v1/invites/lookup", { params: { query: { code } } })),
    enabled: code.length > 0,
    retry: false,
  });

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password"));
    const tooWeak = passwordProblem(password, String(form.get("confirm")));
    if (tooWeak) {
      setError(new Error(tooWeak));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const redeemed = await must(
        api.POST("/v1/invites/redeem", {
          body: {
            code,
            company_name: String(form.get("company")),
            your_name: String(form.get("name")),
            email: String(form.get("email")),
            password,
          },
        }),
      );
      sessionChanged(client, redeemed.me ?? null);
      navigate("/onboarding/company", { replace: true });
    } catch (failed) {
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  const refused = inviteRefusal(invite.error) ?? inviteRefusal(error);
  return (
    <main className="container narrow" id="main">
      <OfflineBanner />
      <h1>Welcome to Hard-E</h1>
      {!code && (
        <p role="alert">
          This page needs the invite link you were sent (it ends in <code>?invite=…</code>). Open that link, or{" "}
          <Link to="/sign-in">sign in</Link> if you already have an account.
        </p>
      )}
      {code && invite.isPending && <p aria-busy="true">Checking your invite…</p>}
      {refused && (
        <p role="alert" className="problem">
          {refused} <Link to="/sign-in">Sign in</Link>
        </p>
      )}
      {invite.error && !refused && <ProblemMessage error={invite.error} />}
      {invite.data && !refused && (
        <>
          <p>
            Your free trial: {invite.data.trial_days} days
            {invite.data.max_messages !== null && <>, {invite.data.max_messages} typed messages</>}
            {invite.data.max_voice_minutes !== null && <>, {invite.data.max_voice_minutes} voice minutes</>}.
            Set up your company in a few minutes, then talk to Hard-E. (Redeem before {day(invite.data.expires_at)}.)
          </p>
          <form onSubmit={(event) => void submit(event)}>
            <Field label="Company name" name="company" required maxLength={120} autoComplete="organization" />
            <Field label="Your name" name="name" required maxLength={120} autoComplete="name" />
            <Field label="Email" name="email" type="email" required autoComplete="email"
              hint="You sign in with it." />
            <Field label="Password" name="password" type="password" required minLength={10} autoComplete="new-password"
              hint="At least 10 characters." />
            <Field label="Password again" name="confirm" type="password" required autoComplete="new-password" />
            <ProblemMessage error={error} />
            <button type="submit" aria-busy={busy} disabled={busy}>Start my trial</button>
          </form>
        </>
      )}
    </main>
  );
}
