// The browser widget (served by Hard-E at /widget/hard-e-widget.js), placed in this page and signed
// in as the person using the app: a widget token is issued for them, and the widget's own script
// mounts its panel into our element (its `data-target`). Leaving the page hangs up.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef } from "react";
import { api, must } from "../api/client";
import { ProblemMessage } from "../components/ProblemMessage";

interface MountedWidget {
  hangUp?: () => Promise<void>;
}

export function WidgetEmbed({ tenantId, userId }: { tenantId: string; userId: string }) {
  const id = `hard-e-${useId().replace(/[^a-zA-Z0-9]/g, "")}`;
  const place = useRef<HTMLDivElement>(null);
  const token = useQuery({
    queryKey: ["widget-token", tenantId, userId],
    queryFn: () =>
      must(api.POST("/v1/tenants/{tenant_id}/widget-tokens", {
        params: { path: { tenant_id: tenantId } },
        body: { user_id: userId, ttl_seconds: 3600 },
      })),
    staleTime: 50 * 60_000,
    refetchOnWindowFocus: false,
  });

  useEffect(() => {
    const element = place.current;
    if (!token.data || !element) return;
    const script = document.createElement("script");
    script.src = "/widget/hard-e-widget.js";
    script.dataset.token = token.data.token;
    script.dataset.target = id;
    document.body.append(script);
    return () => {
      const widget = (window as unknown as { hardE?: MountedWidget }).hardE;
      void widget?.hangUp?.();
      script.remove();
      element.replaceChildren();
    };
  }, [token.data, id]);

  return (
    <div>
      {token.isPending && <p aria-busy="true">Getting Hard-E ready…</p>}
      <ProblemMessage error={token.error} />
      <div id={id} ref={place} className="widget-place" />
    </div>
  );
}
