// The roles a team member can have, in words an office manager uses.
import type { Role } from "../api/types";

export const ROLES: { value: Role; label: string; may: string }[] = [
  { value: "owner", label: "Owner", may: "everything" },
  { value: "manager", label: "Manager", may: "everything for the company" },
  { value: "sales_rep", label: "Sales rep", may: "CRM reads and changes, documents" },
  { value: "crew", label: "Crew", may: "CRM reads" },
  { value: "read_only", label: "Read only", may: "CRM reads" },
];

export function roleLabel(role: Role): string {
  return ROLES.find((item) => item.value === role)?.label ?? role;
}
