// Step 5: the team, so Hard-E knows who is calling and what each person may do.
import { TeamList } from "../team/TeamList";
import type { StepProps } from "./OnboardingPage";

export function TeamStep({ me, tenantId, finish }: StepProps) {
  return (
    <section>
      <h2>Your team</h2>
      <p>Add the people who will call Hard-E. Their phone numbers let Hard-E recognise them; their role decides what it will do for them.</p>
      <TeamList tenantId={tenantId} myId={me.user?.id ?? null} />
      <p>
        <button type="button" onClick={() => void finish("done")}>Continue</button>{" "}
        <button type="button" className="secondary" onClick={() => void finish("skipped")}>Skip for now</button>
      </p>
    </section>
  );
}
