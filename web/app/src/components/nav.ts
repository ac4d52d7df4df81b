// The console's pages and who may open them. The API enforces every permission; the menu only
// leaves out what would be refused, so a person is not offered a page that answers 403.
import type { Me, Scope } from "../api/types";

export interface NavItem {
  to: string;
  label: string;
  needs: Scope | null;
}

export const CONSOLE_PAGES: NavItem[] = [
  { to: "/", label: "Conversations", needs: "conversations" },
  { to: "/talk", label: "Talk to Hard-E", needs: "admin" },
  { to: "/memories", label: "Memories", needs: "admin" },
  { to: "/knowledge", label: "Knowledge", needs: "knowledge" },
  { to: "/team", label: "Team", needs: "admin" },
  { to: "/keys", label: "API keys", needs: "admin" },
  { to: "/usage", label: "Usage", needs: "admin" },
  { to: "/audit", label: "Audit log", needs: "admin" },
  { to: "/settings", label: "Settings", needs: "admin" },
  { to: "/onboarding", label: "Set-up guide", needs: "admin" },
];

export const OPERATOR_PAGES: NavItem[] = [
  { to: "/operator", label: "Tenants", needs: null },
  { to: "/operator/invites", label: "Invites", needs: null },
  { to: "/operator/usage", label: "Usage", needs: null },
];

export function pagesFor(me: Me): NavItem[] {
  if (me.kind === "operator") return OPERATOR_PAGES;
  return CONSOLE_PAGES.filter((page) => page.needs === null || me.permissions.includes(page.needs));
}
