// The frame around every signed-in page: who and which company, the trial's remaining allowance,
// the menu this person may use, sign-out; the page itself in <main>.
import { useQueryClient } from "@tanstack/react-query";
import { NavLink, Outlet, useNavigate } from "react-router";
import type { Me } from "../api/types";
import { sessionChanged } from "../session/session";
import { signOut } from "../session/sign-in";
import { pagesFor } from "./nav";
import { OfflineBanner } from "./OfflineBanner";
import { TrialBadge } from "./TrialBadge";

export function Layout({ me }: { me: Me }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const leave = async (everywhere: boolean) => {
    await signOut(everywhere).catch(() => undefined); // signed out already is signed out
    sessionChanged(client, null);
    navigate("/sign-in");
  };
  return (
    <>
      <a className="skip" href="#main">Skip to the page</a>
      <header className="container-fluid top">
        <nav aria-label="Account">
          <ul>
            <li><strong>Hard-E</strong></li>
            <li>{me.kind === "operator" ? "Operator" : me.tenant?.name}</li>
          </ul>
          <ul>
            {me.tenant && <li><TrialBadge tenantId={me.tenant.id} /></li>}
            {me.user && <li>{me.user.name} ({me.user.role.replace("_", " ")})</li>}
            <li><button type="button" className="secondary outline" onClick={() => void leave(false)}>Sign out</button></li>
          </ul>
        </nav>
      </header>
      <OfflineBanner />
      <div className="container-fluid shell">
        <nav aria-label="Pages" className="side">
          <ul>
            {pagesFor(me).map((page) => (
              <li key={page.to}>
                <NavLink to={page.to} end={page.to === "/" || page.to === "/operator"}>{page.label}</NavLink>
              </li>
            ))}
            {me.user && (
              <li><button type="button" className="link" onClick={() => void leave(true)}>Sign out everywhere</button></li>
            )}
          </ul>
        </nav>
        <main id="main">
          <Outlet />
        </main>
      </div>
    </>
  );
}
