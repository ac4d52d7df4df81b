// What an edit of a team member changes: only the fields that differ go in the PATCH, so an
// untouched PIN stays as it is (it is never shown) and an unchanged phone list is not re-checked.
import type { BodyOf, Role, User } from "../api/types";
import { phoneList } from "./phones";

export type MemberPatch = BodyOf<"/v1/tenants/{tenant_id}/users/{user_id}", "patch">;

export interface MemberForm {
  name: string;
  phones: string;
  email: string;
  role: Role;
  /** A new PIN; empty keeps the current one. */
  pin: string;
  removePin: boolean;
}

export function formOf(user: User): MemberForm {
  return { name: user.name, phones: user.phones.join(", "), email: user.email ?? "", role: user.role, pin: "", removePin: false };
}

export function memberChanges(user: User, form: MemberForm): MemberPatch {
  const changes: MemberPatch = {};
  const name = form.name.trim();
  if (name !== user.name) changes.name = name;
  const phones = phoneList(form.phones);
  if (phones.join("\n") !== user.phones.join("\n")) changes.phones = phones;
  const email = form.email.trim() || null;
  if (email !== (user.email ?? null)) changes.email = email;
  if (form.role !== user.role) changes.role = form.role;
  if (form.pin.trim()) changes.pin = form.pin.trim();
  else if (form.removePin && user.has_pin) changes.pin = null;
  return changes;
}
