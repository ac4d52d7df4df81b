// Talk to Hard-E from the console, and how to reach it by phone.
import type { Me } from "../api/types";
import { PhoneHowTo } from "../talk/PhoneHowTo";
import { WidgetEmbed } from "../talk/WidgetEmbed";

export function TalkPage({ me, tenantId }: { me: Me; tenantId: string }) {
  return (
    <section>
      <h1>Talk to Hard-E</h1>
      {me.user && <WidgetEmbed tenantId={tenantId} userId={me.user.id} />}
      <PhoneHowTo tenantId={tenantId} />
    </section>
  );
}
