// The audit log's filters as the form holds them and as the API takes them (empty = not set;
// dates as the start and end of the chosen days in the browser's time zone).
export interface AuditFilters {
  actor: string;
  event: string;
  since: string; // yyyy-mm-dd
  until: string;
}

export const NO_FILTERS: AuditFilters = { actor: "", event: "", since: "", until: "" };

export function auditQuery(filters: AuditFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.actor.trim()) query.actor = filters.actor.trim();
  if (filters.event.trim()) query.event = filters.event.trim();
  if (filters.since) query.since = new Date(`${filters.since}T00:00:00`).toISOString();
  if (filters.until) query.until = new Date(`${filters.until}T23:59:59.999`).toISOString();
  return query;
}

/** The CSV export's address: the same filters, `format=csv` (a plain link: the cookie signs it). */
export function csvLink(tenantId: string, filters: AuditFilters): string {
  const query = new URLSearchParams({ ...auditQuery(filters), format: "csv" });
  return `/v1/tenants/${encodeURIComponent(tenantId)}/audit?${query.toString()}`;
}
