"""The Leap v3 API, one method per endpoint.

Callers speak Python (ids, dates, lists of ids); each method owns the path, the parameter names,
the form layout and which key the answer comes back under. Several endpoints are not in Leap's
public v3 API and follow the shapes of its internal API (marked *unconfirmed* below): when the
live service turns out to differ, the fix is confined to that one method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import Self

import httpx

from core.ratelimit import TokenBucket
from core.settings import LEAP_PRODUCTION_URL
from crm_leap.errors import (
    LeapAuthError,
    LeapEndpointMissing,
    LeapError,
    LeapRateLimited,
    LeapUnavailable,
)
from crm_leap.transport import DEFAULT_TIMEOUT, LeapTransport, Page, RetryPolicy, list_of
from crm_leap.wire import JSON, FormValue, unwrap, unwrap_record

JOB_DETAIL_INCLUDES = (
    "customer",
    "address",
    "reps",
    "estimators",
    "trades",
    "division",
    "financial_details",
)
CUSTOMER_DETAIL_INCLUDES = ("phones", "address", "rep", "jobs")


@dataclass(frozen=True)
class Phone:
    number: str
    label: str = "cell"


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    zip: str | None = None
    state_id: int | None = None
    country_id: int | None = None

    def form(self) -> dict[str, FormValue]:
        return {
            "address": self.street,
            "city": self.city,
            "zip": self.zip,
            "state_id": self.state_id,
            "country_id": self.country_id,
        }


@dataclass(frozen=True)
class NewCustomer:
    """A person (Leap requires first and last name) or a business (``company_name`` is enough: it is
    sent as a commercial customer, whose names are optional)."""

    first_name: str | None
    last_name: str | None
    phones: Sequence[Phone]
    email: str | None = None
    company_name: str | None = None
    address: Address | None = None
    note: str | None = None
    rep_id: int | None = None
    referred_by_type: str | None = None

    def form(self) -> dict[str, FormValue]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "is_commercial": bool(self.company_name) and not (self.first_name and self.last_name),
            "company_name": self.company_name,
            "email": self.email,
            "phones": [{"label": phone.label, "number": phone.number} for phone in self.phones],
            "address": self.address.form() if self.address else None,
            "note": self.note,
            "rep_id": self.rep_id,
            "referred_by_type": self.referred_by_type,
        }


@dataclass(frozen=True)
class Attachment:
    """Job paperwork sent with an email or a text: Leap's ``{type, value}`` (*unconfirmed*, internal API).

    ``type``: measurement, estimate, proposal, workorder, material_list, resource (a photo or other
    file) or worksheet; ``value``: that record's id."""

    type: str
    value: int

    def form(self) -> dict[str, FormValue]:
        return {"type": self.type, "value": self.value}


@dataclass(frozen=True)
class NewJob:
    description: str
    trade_ids: Sequence[int]
    name: str | None = None
    division_id: int | None = None
    rep_ids: Sequence[int] = ()


@dataclass(frozen=True)
class ProspectCreated:
    customer: JSON
    job_ids: list[int]
    first_stage_code: str | None


class LeapClient:
    """An async client for one Leap token (one tenant's company).

    Pass ``limiter`` (see ``crm_leap.leap_rate_limiter``) so every worker using this token shares
    Leap's per-minute budget, and ``http`` to share one connection pool across tenants.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = LEAP_PRODUCTION_URL,
        limiter: TokenBucket | None = None,
        limiter_wait: float = 30.0,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._t = LeapTransport(
            token,
            base_url=base_url,
            limiter=limiter,
            limiter_wait=limiter_wait,
            retry=retry,
            timeout=timeout,
            http=http,
        )

    @property
    def base_url(self) -> str:
        return self._t.base_url

    async def aclose(self) -> None:
        await self._t.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _one(self, path: str, params: Mapping[str, FormValue] | None, operation: str) -> JSON:
        body = await self._t.get(path, params, operation=operation)
        data = unwrap(body.get("data")) if isinstance(body, dict) else None
        return unwrap_record(data) if isinstance(data, Mapping) else {}

    async def _all(
        self, path: str, operation: str, params: Mapping[str, FormValue] | None = None
    ) -> list[JSON]:
        """A list Leap returns whole (config lists) or paged; either way, every item."""
        return [item async for item in self._t.iterate(path, params, operation=operation)]

    # Customers -------------------------------------------------------------------------------

    async def find_customers(
        self,
        *,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        keyword: str | None = None,
        limit: int = 10,
        includes: Sequence[str] = ("phones",),
    ) -> Page:
        """Customers by name (partial), phone digits or email (exact), or a name/address keyword."""
        params = {
            "name": name,
            "phone": phone,
            "email": email,
            "keyword": keyword,
            "includes": list(includes),
        }
        return await self._t.get_page("/customers", params, operation="find customers", limit=limit)

    async def all_customers(self, *, max_items: int) -> list[JSON]:
        """Customers with phones and addresses, 100 a page, at most ``max_items`` (for name lookups)."""
        found: list[JSON] = []
        async for customer in self._t.iterate(
            "/customers", {"includes": ["address", "phones"]}, operation="list customers"
        ):
            found.append(customer)
            if len(found) >= max_items:
                break
        return found

    async def get_customer(
        self, customer_id: int, includes: Sequence[str] = CUSTOMER_DETAIL_INCLUDES
    ) -> JSON:
        return await self._one(f"/customers/{customer_id}", {"includes": list(includes)}, "get customer")

    async def create_customer(self, customer: NewCustomer) -> JSON:
        body = await self._t.write("POST", "/customers", customer.form(), operation="create customer")
        return unwrap_record(body.get("customer") or {})

    async def create_prospect(self, customer: NewCustomer, job: NewJob) -> ProspectCreated:
        """A customer and their first job in one call; the job lands in the company's first stage."""
        form = customer.form()
        form["job"] = {
            "description": job.description,
            "trades": list(job.trade_ids),
            "name": job.name,
            "division_id": job.division_id,
            "rep_ids": list(job.rep_ids),
            "same_as_customer_address": True,
        }
        body = await self._t.write("POST", "/prospects", form, operation="create prospect")
        return ProspectCreated(
            customer=unwrap_record(body.get("customer") or {}),
            job_ids=[int(job_id) for job_id in body.get("job_ids") or []],
            first_stage_code=body.get("first_stage_code"),
        )

    async def delete_customer(self, customer_id: int) -> None:
        """Remove a customer and their jobs (*unconfirmed*: used to undo a creation; Leap refuses
        once a job has moved past its first stage)."""
        await self._t.write("DELETE", f"/customers/{customer_id}", operation="delete customer")

    # Jobs ------------------------------------------------------------------------------------

    async def find_jobs(
        self,
        *,
        keyword: str | None = None,
        job_number: str | None = None,
        customer_id: int | None = None,
        stage_codes: Sequence[str] = (),
        rep_ids: Sequence[int] = (),
        include_archived: bool = False,
        awarded: bool | None = None,
        stage_changed: tuple[date, date] | None = None,
        includes: Sequence[str] = ("customer",),
        limit: int = 10,
    ) -> Page:
        """Jobs, most recently changed first (Leap's default order is not reliable, so it is set).

        ``stage_changed`` keeps the jobs whose stage last changed on those days (first, last)."""
        params: dict[str, FormValue] = {
            "keyword": keyword,
            "job_number": job_number,
            "customer_id": customer_id,
            "stages": list(stage_codes),
            "rep_ids": list(rep_ids),
            "with_archived": include_archived or None,
            "awarded_jobs": awarded,
            "includes": list(includes),
            "sort_by": "updated_at",
            "sort_order": "desc",
        }
        if stage_changed is not None:
            params["date_range_type"] = "job_stage_changed_date"
            params["start_date"] = stage_changed[0].isoformat()
            params["end_date"] = stage_changed[1].isoformat()
        return await self._t.get_page("/jobs", params, operation="find jobs", limit=limit)

    async def all_jobs(
        self,
        *,
        customer_name: str | None = None,
        rep_ids: Sequence[int] = (),
        awarded: bool | None = None,
        includes: Sequence[str] = ("customer",),
    ) -> list[JSON]:
        """Every job (all pages, 100 a page, oldest id first so paging is stable) matching the filters:
        ``customer_name`` (partial), ``rep_ids``, ``awarded`` (contract awarded or not)."""
        params: dict[str, FormValue] = {
            "customer_name": customer_name,
            "rep_ids": list(rep_ids),
            "awarded_jobs": awarded,
            "includes": list(includes),
            "sort_by": "id",
            "sort_order": "asc",
        }
        return await self._all("/jobs", "list jobs", params)

    async def get_job(self, job_id: int, includes: Sequence[str] = JOB_DETAIL_INCLUDES) -> JSON:
        """One job; an archived job raises ``LeapArchivedJob``, a missing one ``LeapNotFound``."""
        return await self._one(f"/jobs/{job_id}", {"includes": list(includes)}, "get job")

    async def change_job_stage(self, job_id: int, stage_code: str) -> JSON:
        """Move a job to another workflow stage (*unconfirmed*: Leap's internal ``jobs/stage`` shape)."""
        body = await self._t.write(
            "POST", "/jobs/stage", {"job_id": job_id, "stage": stage_code}, operation="change job stage"
        )
        return unwrap_record(body.get("job_workflow") or {})

    async def archive_job(self, job_id: int) -> JSON:
        """Hide a job from lists and stop changes to it (*unconfirmed*)."""
        body = await self._t.write("PUT", f"/jobs/{job_id}/archive", operation="archive job")
        return unwrap_record(body.get("data") or {})

    async def unarchive_job(self, job_id: int) -> JSON:
        body = await self._t.write("PUT", f"/jobs/{job_id}/unarchive", operation="restore archived job")
        return unwrap_record(body.get("data") or {})

    # Job notes -------------------------------------------------------------------------------

    async def list_job_notes(self, job_id: int, *, limit: int = 10, page: int = 1) -> Page:
        """Notes newest first, with their authors and mentioned users."""
        params = {"includes": ["created_by", "mentions", "stage"]}
        return await self._t.get_page(
            f"/jobs/{job_id}/notes", params, operation="list job notes", limit=limit, page=page
        )

    async def add_job_note(self, job_id: int, note: str, stage_code: str | None = None) -> JSON:
        """Add a note; ``@[U:<user id>]`` tokens in the text mention (and notify) those users."""
        body = await self._t.write(
            "POST",
            f"/jobs/{job_id}/notes",
            {"note": note, "stage_code": stage_code},
            operation="add job note",
        )
        return unwrap_record(body.get("data") or {})

    async def delete_job_note(self, note_id: int) -> None:
        """Remove a note (*unconfirmed*: no public route; used to undo an added note)."""
        await self._t.write("DELETE", f"/jobs/notes/{note_id}", operation="delete job note")

    # Company configuration -------------------------------------------------------------------

    async def workflow_stages(self) -> list[JSON]:
        """The company's workflow stages in pipeline order."""
        body = await self._t.get(
            "/workflow/stages", {"sort_by": "position", "sort_order": "asc"}, operation="list stages"
        )
        return [unwrap_record(item) for item in list_of(body)]

    async def trades(self) -> list[JSON]:
        body = await self._t.get("/company/trades", operation="list trades")
        return [unwrap_record(item) for item in list_of(body)]

    async def divisions(self) -> list[JSON]:
        return await self._all("/divisions", "list divisions")

    async def company_users(self) -> list[JSON]:
        """Active company users with their profiles (position, phone)."""
        return await self._all("/company/users", "list users", {"includes": ["profile"]})

    async def countries(self) -> list[JSON]:
        return [dict(item) for item in list_of(await self._t.get("/countries", operation="list countries"))]

    async def states(self, country_id: int) -> list[JSON]:
        body = await self._t.get(f"/countries/{country_id}/states", operation="list states")
        return [dict(item) for item in list_of(body)]

    # Appointments ----------------------------------------------------------------------------

    async def list_appointments(
        self,
        *,
        start: str | None = None,
        end: str | None = None,
        user_ids: Sequence[int] = (),
        job_id: int | None = None,
        customer_id: int | None = None,
        upcoming: bool = False,
        limit: int = 20,
    ) -> Page:
        """Appointments between ``start`` and ``end`` (``Y-m-d H:i:s``) or upcoming ones, soonest first."""
        duration = "upcoming" if upcoming else ("date" if start or end else None)
        params: dict[str, FormValue] = {
            "duration": duration,
            "start_date": start,
            "end_date": end,
            "users": list(user_ids),
            "job_id": job_id,
            "customer_id": customer_id,
            "includes": ["user", "attendees", "customer", "jobs"],
            "sort_by": "start_date_time",
            "sort_order": "asc",
        }
        return await self._t.get_page("/appointments", params, operation="list appointments", limit=limit)

    async def get_appointment(self, appointment_id: int) -> JSON:
        return await self._one(
            f"/appointments/{appointment_id}", {"includes": ["user", "attendees"]}, "get appointment"
        )

    async def create_appointment(self, fields: Mapping[str, FormValue]) -> JSON:
        """``fields``: title, start_date_time, end_date_time (``Y-m-d H:i:s``), user_id, customer_id,
        job_ids, attendees, description, location, location_type."""
        body = await self._t.write("POST", "/appointments", fields, operation="create appointment")
        return unwrap_record(body.get("appointment") or {})

    async def update_appointment(self, appointment_id: int, fields: Mapping[str, FormValue]) -> JSON:
        """Change an appointment (same field names as ``create_appointment``). Leap validates an update
        like a creation, so send the title and times (or ``full_day`` and ``date``) every time."""
        body = await self._t.write(
            "PUT", f"/appointments/{appointment_id}", fields, operation="update appointment"
        )
        return unwrap_record(body.get("appointment") or {})

    async def delete_appointment(self, appointment_id: int) -> None:
        """Cancel an appointment (*unconfirmed*: Leap documents no DELETE; used to undo a booking)."""
        await self._t.write("DELETE", f"/appointments/{appointment_id}", operation="delete appointment")

    # Financials ------------------------------------------------------------------------------

    async def financial_summary(self, job_id: int) -> JSON:
        """Price, payments received and amount owed. A job not yet awarded raises ``LeapValidationError``."""
        body = await self._t.get(f"/jobs/{job_id}/financial_summary", operation="get financial summary")
        data = body.get("data") if isinstance(body, dict) else None
        row = data[0] if isinstance(data, list) and data else data
        return dict(row) if isinstance(row, Mapping) else {}

    async def list_invoices(self, job_id: int, *, limit: int = 20) -> Page:
        return await self._t.get_page(
            f"/jobs/{job_id}/invoices", {"status": "all"}, operation="list invoices", limit=limit
        )

    async def all_invoices(self, job_id: int, *, open_only: bool = False) -> list[JSON]:
        """Every invoice of a job (all pages); ``open_only``: those with a balance still open."""
        status = "open" if open_only else "all"
        return await self._all(f"/jobs/{job_id}/invoices", "list invoices", {"status": status})

    async def payment_history(self, job_id: int, *, limit: int = 20) -> Page:
        return await self._t.get_page(
            f"/jobs/{job_id}/payment_history", operation="list payments", limit=limit
        )

    async def all_payments(self, job_id: int) -> list[JSON]:
        """Every payment recorded on a job (all pages), cancelled ones included."""
        return await self._all(f"/jobs/{job_id}/payment_history", "list payments")

    async def payment_types(self) -> list[JSON]:
        """The payment methods the company accepts (``method`` is what a payment records)."""
        body = await self._t.get("/company/payment_types", operation="list payment types")
        return [dict(item) for item in list_of(body)]

    async def record_payment(
        self,
        job_id: int,
        *,
        amount: float,
        method: str,
        paid_on: date | None = None,
        reference: str | None = None,
        details: str | None = None,
    ) -> JSON:
        """Record money received on a job (*unconfirmed*: Leap's internal payment form)."""
        form: dict[str, FormValue] = {
            "payment": f"{amount:.2f}",
            "method": method,
            "date": paid_on.isoformat() if paid_on else None,
            "echeque_number": reference,
            "details": details,
        }
        body = await self._t.write("POST", f"/jobs/{job_id}/payments", form, operation="record payment")
        return unwrap_record(body.get("data") or {})

    async def cancel_payment(self, payment_id: int, note: str) -> JSON:
        body = await self._t.write(
            "PUT", f"/jobs/payments/{payment_id}/cancel", {"cancel_note": note}, operation="cancel payment"
        )
        return unwrap_record(body.get("data") or {})

    # Tasks (*unconfirmed*: Leap's internal task API) -------------------------------------------

    async def list_tasks(
        self,
        *,
        job_id: int | None = None,
        user_ids: Sequence[int] = (),
        completed: bool | None = None,
        limit: int = 20,
    ) -> Page:
        status = None if completed is None else ("completed" if completed else "pending")
        params = {"job_id": job_id, "users": list(user_ids), "status": status}
        return await self._t.get_page("/tasks", params, operation="list tasks", limit=limit)

    async def get_task(self, task_id: int) -> JSON:
        return await self._one(f"/tasks/{task_id}", None, "get task")

    async def create_task(
        self,
        *,
        title: str,
        assignee_ids: Sequence[int],
        job_id: int | None = None,
        due_date: date | None = None,
        notes: str | None = None,
        high_priority: bool = False,
    ) -> JSON:
        form: dict[str, FormValue] = {
            "title": title,
            "users": list(assignee_ids),
            "job_id": job_id,
            "due_date": due_date.isoformat() if due_date else None,
            "notes": notes,
            "is_high_priority_task": high_priority,
        }
        body = await self._t.write("POST", "/tasks", form, operation="create task")
        return unwrap_record(body.get("data") or {})

    async def reassign_task(self, task_id: int, assignee_ids: Sequence[int]) -> JSON:
        body = await self._t.write(
            "PUT", f"/tasks/{task_id}", {"users": list(assignee_ids)}, operation="reassign task"
        )
        return unwrap_record(body.get("data") or {})

    async def delete_task(self, task_id: int) -> None:
        await self._t.write("DELETE", f"/tasks/{task_id}", operation="delete task")

    async def complete_task(self, task_id: int) -> JSON:
        """Mark a task done (*unconfirmed*: the proposed v3 form of Leap's internal
        ``tasks/completed/{id}``; Leap refuses a task already done with 412)."""
        body = await self._t.write("PUT", f"/tasks/{task_id}/complete", operation="complete task")
        return unwrap_record(body.get("data") or {})

    async def reopen_task(self, task_id: int) -> JSON:
        """Mark a completed task pending again (*unconfirmed*, no known Leap route; used to undo)."""
        body = await self._t.write("PUT", f"/tasks/{task_id}/reopen", operation="reopen task")
        return unwrap_record(body.get("data") or {})

    # Email (*unconfirmed*: Leap's internal email API) -------------------------------------------

    async def list_emails(
        self,
        *,
        job_id: int | None = None,
        customer_id: int | None = None,
        keyword: str | None = None,
        limit: int = 10,
    ) -> Page:
        params = {"job_id": job_id, "customer_id": customer_id, "keyword": keyword}
        return await self._t.get_page("/emails", params, operation="list emails", limit=limit)

    async def get_email(self, email_id: int) -> JSON:
        return await self._one(f"/emails/{email_id}", None, "read email")

    async def send_email(
        self,
        *,
        to: Sequence[str],
        subject: str,
        html: str,
        cc: Sequence[str] = (),
        customer_id: int | None = None,
        job_id: int | None = None,
        reply_to: int | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> JSON:
        """Send an email; ``attachments`` are job paperwork (Leap's internal ``attachments[]``)."""
        form: dict[str, FormValue] = {
            "to": list(to),
            "cc": list(cc),
            "subject": subject,
            "content": html,
            "customer_id": customer_id,
            "job_id": job_id,
            "reply_to": reply_to,
            "attachments": [attachment.form() for attachment in attachments],
        }
        body = await self._t.write("POST", "/emails/send", form, operation="send email")
        return unwrap_record(body.get("email") or {})

    # Text messages (*unconfirmed*: Leap's internal SMS API) -----------------------------------

    async def send_text(
        self,
        *,
        phone_number: str,
        message: str,
        customer_id: int | None = None,
        job_id: int | None = None,
        media: Attachment | None = None,
    ) -> JSON:
        """Send an SMS; ``media``: one piece of job paperwork sent with it (Leap's ``media[0]``)."""
        form: dict[str, FormValue] = {
            "phone_number": phone_number,
            "message": message,
            "customer_id": customer_id,
            "job_id": job_id,
            "media": [media.form()] if media else [],
        }
        body = await self._t.write("POST", "/phone_messages", form, operation="send text message")
        return unwrap_record(body.get("data") or {})

    async def list_text_threads(
        self, *, customer_id: int | None = None, phone_number: str | None = None, limit: int = 10
    ) -> Page:
        params = {"type": "SMS", "customer_id": customer_id, "phone_number": phone_number}
        return await self._t.get_page(
            "/messages/thread_list", params, operation="list text threads", limit=limit
        )

    async def list_thread_messages(self, thread_id: int, *, limit: int = 20, page: int = 1) -> Page:
        """Messages of one thread, oldest first."""
        return await self._t.get_page(
            f"/messages/{thread_id}", operation="list text messages", limit=limit, page=page
        )

    # Proposals and documents (*unconfirmed* listings) ------------------------------------------

    async def list_proposals(
        self, *, job_id: int | None = None, status: str | None = None, limit: int = 20
    ) -> Page:
        params = {"job_id": job_id, "status": status}
        return await self._t.get_page("/proposals", params, operation="list proposals", limit=limit)

    async def all_proposals(self, *, job_id: int | None = None, status: str | None = None) -> list[JSON]:
        """Every proposal (all pages), newest first (*unconfirmed* listing)."""
        return await self._all("/proposals", "list proposals", {"job_id": job_id, "status": status})

    async def list_job_documents(self, job_id: int, *, kind: str | None = None, limit: int = 20) -> Page:
        """Files on a job, newest first (*unconfirmed*).

        ``kind``: measurement, estimate, proposal, work_order, material, photo.
        """
        return await self._t.get_page(
            f"/jobs/{job_id}/documents", {"type": kind}, operation="list job documents", limit=limit
        )

    async def all_job_documents(self, job_id: int) -> list[JSON]:
        """Every file on a job (all pages), newest first (*unconfirmed*)."""
        return await self._all(f"/jobs/{job_id}/documents", "list job documents")

    async def all_worksheets(self, job_id: int) -> list[JSON]:
        """Every worksheet of a job (all pages), newest first (*unconfirmed*)."""
        return await self._all("/worksheets", "list worksheets", {"job_id": job_id})

    async def list_worksheets(self, job_id: int, *, kind: str | None = None, limit: int = 20) -> Page:
        """Priced worksheets of a job; ``kind``: profit_loss, selling_price, material_list, estimate,
        proposal, work_order."""
        return await self._t.get_page(
            "/worksheets", {"job_id": job_id, "type": kind}, operation="list worksheets", limit=limit
        )

    # Production ------------------------------------------------------------------------------

    async def list_schedules(
        self,
        *,
        start_date: date | None = None,
        end_date: date | None = None,
        job_id: int | None = None,
        rep_ids: Sequence[int] = (),
        sub_ids: Sequence[int] = (),
        limit: int = 50,
    ) -> Page:
        """Production schedule entries overlapping the dates, with their crews (reps, subs) and trades."""
        params: dict[str, FormValue] = {
            "start_date": start_date.isoformat() if start_date else None,
            "end_date": end_date.isoformat() if end_date else None,
            "job_id": job_id,
            "rep_ids": list(rep_ids),
            "sub_ids": list(sub_ids),
            "includes": ["reps", "sub_contractors", "trades", "job"],
        }
        return await self._t.get_page("/schedules", params, operation="list schedules", limit=limit)

    async def find_subcontractors(
        self, *, query: str | None = None, kind: str | None = None, limit: int = 20
    ) -> Page:
        """Sub-contractors and labour; ``kind`` is ``sub_contractor`` or ``labor``."""
        params = {"query": query, "type": kind, "includes": ["trades"]}
        return await self._t.get_page(
            "/sub_contractors", params, operation="find sub-contractors", limit=limit
        )

    # Discovery -------------------------------------------------------------------------------

    async def has_endpoint(self, path: str) -> bool | None:
        """Whether this account's Leap has the route ``path``, asked with one GET (never a write).

        True when Leap answers, or refuses the request itself (a 412, a record it cannot find, a 405
        because the route takes only writes); False for its router's 404 or a 403 for this token;
        None when Leap could not say (down, rate limited). A refused token raises ``LeapAuthError``.
        """
        try:
            await self._t.get(path, {"limit": 1}, operation=f"check {path}")
        except LeapEndpointMissing as missing:
            return missing.status == 405
        except LeapAuthError as refused:
            if refused.status == 403:
                return False
            raise
        except (LeapUnavailable, LeapRateLimited):
            return None
        except LeapError:
            return True
        return True

    def __repr__(self) -> str:  # never show the token
        return f"<LeapClient {self.base_url}>"


__all__ = [
    "Address",
    "Attachment",
    "LeapClient",
    "NewCustomer",
    "NewJob",
    "Page",
    "Phone",
    "ProspectCreated",
    "RetryPolicy",
]
