// The team page of the console (the same list as the set-up's team step).
import type { Me } from "../api/types";
import { TeamList } from "../team/TeamList";

export function TeamPage({ me, tenantId }: { me: Me; tenantId: string }) {
  return (
    <section>
      <h1>Team</h1>
      <TeamList tenantId={tenantId} myId={me.user?.id ?? null} />
    </section>
  );
}
