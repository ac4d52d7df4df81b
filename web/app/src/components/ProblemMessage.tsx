// A refusal or failure in plain words, with what to do next; announced to screen readers.
import { nextStep } from "../api/problem";

export function ProblemMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const words = error instanceof Error ? error.message : "Something went wrong.";
  const next = nextStep(error);
  return (
    <p role="alert" className="problem">
      {words}
      {next && <> {next}</>}
    </p>
  );
}
