// The guided set-up: the steps with their progress always in view, the current step's page, and
// "finish later" (the console's set-up guide brings the person back to the first open step).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { api, must } from "../api/client";
import type { Me } from "../api/types";
import { ProblemMessage } from "../components/ProblemMessage";
import { CompanyStep } from "./CompanyStep";
import { KnowledgeStep } from "./KnowledgeStep";
import { LeapStep } from "./LeapStep";
import { PersonalityStep } from "./PersonalityStep";
import { isStep, progressWords, stepAfter, type StepId } from "./progress";
import { TalkStep } from "./TalkStep";
import { TeamStep } from "./TeamStep";

export interface StepProps {
  me: Me;
  tenantId: string;
  /** Mark this step done (or skipped) and go on to the next one. */
  finish: (status: "done" | "skipped") => Promise<void>;
}

const PAGES: Record<StepId, (props: StepProps) => React.JSX.Element> = {
  company: CompanyStep,
  leap: LeapStep,
  personality: PersonalityStep,
  knowledge: KnowledgeStep,
  team: TeamStep,
  talk: TalkStep,
};

export function OnboardingPage({ me }: { me: Me }) {
  const { step } = useParams();
  const tenantId = me.tenant?.id ?? "";
  const client = useQueryClient();
  const navigate = useNavigate();
  const key = ["onboarding", tenantId];
  const onboarding = useQuery({
    queryKey: key,
    queryFn: () => must(api.GET("/v1/tenants/{tenant_id}/onboarding", { params: { path: { tenant_id: tenantId } } })),
  });
  const mark = useMutation({
    mutationFn: ({ id, status }: { id: StepId; status: "done" | "skipped" }) =>
      must(
        api.PUT("/v1/tenants/{tenant_id}/onboarding/{step}", {
          params: { path: { tenant_id: tenantId, step: id } },
          body: { status },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });

  if (onboarding.isPending) return <p aria-busy="true">Loading your set-up…</p>;
  if (onboarding.error) return <ProblemMessage error={onboarding.error} />;
  if (!isStep(step)) return <Navigate to={`/onboarding/${onboarding.data.next ?? "talk"}`} replace />;

  const progress = progressWords(onboarding.data);
  const Page = PAGES[step];
  const finish = async (status: "done" | "skipped") => {
    await mark.mutateAsync({ id: step, status });
    const next = stepAfter(step);
    navigate(next ? `/onboarding/${next}` : "/");
  };

  return (
    <section className="onboarding">
      <h1>Set up Hard-E for {me.tenant?.name}</h1>
      <p>
        <progress value={progress.finished} max={progress.total} aria-label="Set-up progress" />{" "}
        {progress.words}. You can stop at any time and <Link to="/">finish later</Link>; your answers are saved.
      </p>
      <nav aria-label="Set-up steps">
        <ol className="steps">
          {onboarding.data.steps.map((item) => (
            <li key={item.id} data-status={item.status}>
              <Link to={`/onboarding/${item.id}`} aria-current={item.id === step ? "step" : undefined}>
                {item.title}
              </Link>{" "}
              <small>{item.status === "done" ? "(done)" : item.status === "skipped" ? "(skipped)" : ""}</small>
            </li>
          ))}
        </ol>
      </nav>
      <ProblemMessage error={mark.error} />
      <Page me={me} tenantId={tenantId} finish={finish} />
    </section>
  );
}
