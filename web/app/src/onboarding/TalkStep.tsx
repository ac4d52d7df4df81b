// The last step: talk to Hard-E now, in this page, and how to reach it by phone.
import { PhoneHowTo } from "../talk/PhoneHowTo";
import { WidgetEmbed } from "../talk/WidgetEmbed";
import type { StepProps } from "./OnboardingPage";

export function TalkStep({ me, tenantId, finish }: StepProps) {
  return (
    <section>
      <h2>Talk to Hard-E now</h2>
      <p>Press the microphone and ask about a job, a customer or your products. Or type below it.</p>
      {me.user ? <WidgetEmbed tenantId={tenantId} userId={me.user.id} /> : null}
      <PhoneHowTo tenantId={tenantId} />
      <button type="button" onClick={() => void finish("done")}>Finish set-up and open the console</button>
    </section>
  );
}
