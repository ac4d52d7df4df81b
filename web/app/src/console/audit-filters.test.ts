import { describe, expect, it } from "vitest";
import { auditQuery, csvLink, NO_FILTERS } from "./audit-filters";

describe("the audit log's filters", () => {
  it("send only what is set", () => {
    expect(auditQuery(NO_FILTERS)).toEqual({});
    expect(auditQuery({ ...NO_FILTERS, actor: "  user:u_1 ", event: "settings.updated" })).toEqual({
      actor: "user:u_1",
      event: "settings.updated",
    });
  });

  it("take whole days, from the first to the last moment", () => {
    const query = auditQuery({ ...NO_FILTERS, since: "2026-03-01", until: "2026-03-02" });
    expect(new Date(query.since ?? "").getTime()).toBe(new Date("2026-03-01T00:00:00").getTime());
    expect(new Date(query.until ?? "").getTime()).toBe(new Date("2026-03-02T23:59:59.999").getTime());
  });

  it("export exactly what is filtered, as CSV", () => {
    const link = new URL(csvLink("acme", { ...NO_FILTERS, event: "login.widget" }), "http://x");
    expect(link.pathname).toBe("/v1/tenants/acme/audit");
    expect(Object.fromEntries(link.searchParams)).toEqual({ event: "login.widget", format: "csv" });
  });
});
