// Every page of the app and who may open it. Paths are relative to /app/ (the router's basename).
import { createBrowserRouter, Link, Outlet, useRouteError, type RouteObject } from "react-router";
import type { Me, Scope } from "./api/types";
import { Layout } from "./components/Layout";
import { ProblemMessage } from "./components/ProblemMessage";
import { AuditPage } from "./console/AuditPage";
import { ConversationPage } from "./console/ConversationPage";
import { ConversationsPage } from "./console/ConversationsPage";
import { KeysPage } from "./console/KeysPage";
import { KnowledgePage } from "./console/KnowledgePage";
import { MemoriesPage } from "./console/MemoriesPage";
import { SettingsPage } from "./console/SettingsPage";
import { TalkPage } from "./console/TalkPage";
import { TeamPage } from "./console/TeamPage";
import { UsagePage } from "./console/UsagePage";
import { OnboardingPage } from "./onboarding/OnboardingPage";
import { InvitesPage } from "./operator/InvitesPage";
import { OperatorUsagePage } from "./operator/OperatorUsagePage";
import { TenantsPage } from "./operator/TenantsPage";
import { SetPasswordPage } from "./pages/SetPasswordPage";
import { SignInPage } from "./pages/SignInPage";
import { WelcomePage } from "./pages/WelcomePage";
import { RequireScope, RequireSession } from "./session/RequireSession";

type TenantPage = (props: { me: Me; tenantId: string }) => React.ReactNode;

/** A console page for people whose role includes `scope`. */
function consolePage(path: string, scope: Scope, Page: TenantPage): RouteObject {
  return {
    path,
    element: (
      <RequireSession kind="user">
        {(me) => (
          <RequireScope me={me} scope={scope}>
            <Page me={me} tenantId={me.tenant?.id ?? ""} />
          </RequireScope>
        )}
      </RequireSession>
    ),
  };
}

function NotFound() {
  return (
    <main className="container" id="main">
      <h1>Page not found</h1>
      <p>There is no page at this address. <Link to="/">Go to the start</Link>.</p>
    </main>
  );
}

function Crashed() {
  const error = useRouteError();
  return (
    <main className="container" id="main">
      <h1>Something went wrong on this page</h1>
      <ProblemMessage error={error} />
      <p><a href="/app/">Reload the app</a></p>
    </main>
  );
}

export const routes: RouteObject[] = [
  {
    errorElement: <Crashed />,
    children: [
      { path: "/welcome", element: <WelcomePage /> },
      { path: "/sign-in", element: <SignInPage /> },
      { path: "/set-password", element: <SetPasswordPage /> },
      {
        element: <RequireSession kind="user">{(me) => <Layout me={me} />}</RequireSession>,
        children: [
          consolePage("/", "conversations", ConversationsPage),
          consolePage("/conversations/:id", "conversations", ConversationPage),
          consolePage("/onboarding/:step?", "admin", OnboardingPage),
          consolePage("/talk", "admin", TalkPage),
          consolePage("/memories", "admin", MemoriesPage),
          consolePage("/knowledge", "knowledge", KnowledgePage),
          consolePage("/team", "admin", TeamPage),
          consolePage("/keys", "admin", KeysPage),
          consolePage("/usage", "admin", UsagePage),
          consolePage("/audit", "admin", AuditPage),
          consolePage("/settings", "admin", SettingsPage),
        ],
      },
      {
        path: "/operator",
        element: <RequireSession kind="operator">{(me) => <Layout me={me} />}</RequireSession>,
        children: [
          { index: true, element: <TenantsPage /> },
          { path: "invites", element: <InvitesPage /> },
          { path: "usage", element: <OperatorUsagePage /> },
        ],
      },
      { path: "*", element: <NotFound /> },
    ],
  },
];

export function appRouter() {
  return createBrowserRouter([{ element: <Outlet />, children: routes }], { basename: "/app" });
}
