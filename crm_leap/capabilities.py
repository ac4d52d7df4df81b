"""Each company's Leap, discovered: which endpoints this account's API answers.

Several things Hard-E does (stage change, tasks, email, SMS, proposals, documents, worksheets,
payments) use endpoints Leap does not publish; a real account may lack them. So each capability
is checked once with a single read-only GET (``LeapClient.has_endpoint``; nothing is ever
written: a write-only route is recognised by Leap's 405 to a GET), the answers are stored per
tenant, and tools whose capability the account lacks are not offered to Claude for that tenant.
The check is refreshed when older than a day (``CapabilityStore.is_stale``), and a tool that
fails anyway for want of its endpoint marks that capability missing at once.

``PROBES`` is also the one true list of which tool calls a published or an unpublished endpoint
(``tool_table`` renders it; README links to it).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from core.keys import tenant_key
from core.redis import Redis
from crm_leap.client import LeapClient
from crm_leap.errors import LeapError

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 24 * 3600
_CHECK_LOCK_SECONDS = 300


class Capability(StrEnum):
    CUSTOMERS = "customers"
    PROSPECTS = "prospects"
    JOBS = "jobs"
    JOB_STAGE = "job_stage"
    JOB_ARCHIVE = "job_archive"
    NOTES = "notes"
    APPOINTMENTS = "appointments"
    FINANCIALS = "financials"
    PAYMENTS = "payments"
    COMPANY = "company"
    SCHEDULES = "schedules"
    SUBCONTRACTORS = "subcontractors"
    TASKS = "tasks"
    EMAILS = "emails"
    EMAIL_SEND = "email_send"
    TEXTS = "texts"
    TEXT_SEND = "text_send"
    PROPOSALS = "proposals"
    DOCUMENTS = "documents"
    WORKSHEETS = "worksheets"


NOTE_INSTEAD = "add a note on the job with an @mention of the person who should do it in Leap"


@dataclass(frozen=True)
class Probe:
    """How one capability is checked, what it lets a caller do, and what to offer without it."""

    capability: Capability
    action: str
    """What the caller would be asking for, as a sentence subject ("Sending text messages")."""
    path: str
    """A GET path below /api/v3; ``{job_id}`` is filled with some job of the company."""
    published: bool
    """In Leap's public v3 API (reference/leap-api.md), or only in its internal app API."""
    tools: tuple[str, ...]
    instead: str = NOTE_INSTEAD


PROBES: tuple[Probe, ...] = (
    Probe(Capability.CUSTOMERS, "Looking up and adding customers", "/customers", True,
          ("find_customer", "get_customer", "create_customer"), "take the details down and pass them on"),
    Probe(Capability.PROSPECTS, "Adding a lead with its first job", "/prospects", True, ("create_prospect",),
          "add the customer with create_customer and a note for the office to open the job"),
    Probe(Capability.JOBS, "Looking up jobs", "/jobs", True, ("find_jobs", "job_overview")),
    Probe(Capability.JOB_STAGE, "Moving a job to another stage", "/jobs/stage", False, ("change_job_stage",)),
    Probe(Capability.JOB_ARCHIVE, "Archiving a job", "/jobs/{job_id}/archive", False, ("archive_job",)),
    Probe(Capability.NOTES, "Job notes", "/jobs/{job_id}/notes", True, ("list_job_notes", "add_job_note"),
          "pass the message on to the office"),
    Probe(Capability.APPOINTMENTS, "Appointments", "/appointments", True,
          ("list_appointments", "create_appointment", "update_appointment", "cancel_appointment")),
    Probe(Capability.FINANCIALS, "A job's money (price, invoices, payments)",
          "/jobs/{job_id}/payment_history", True, ("job_financials", "company_financials")),
    Probe(Capability.PAYMENTS, "Recording a payment", "/jobs/{job_id}/payments", False, ("record_payment",)),
    Probe(Capability.COMPANY, "The company's stages, trades and people", "/workflow/stages", True,
          ("company_config",)),
    Probe(Capability.SCHEDULES, "The production schedule", "/schedules", True, ("production_schedule",)),
    Probe(Capability.SUBCONTRACTORS, "Looking up sub-contractors", "/sub_contractors", True,
          ("find_subcontractors",)),
    Probe(Capability.TASKS, "Tasks", "/tasks", False,
          ("list_tasks", "create_task", "assign_task", "complete_task")),
    Probe(Capability.EMAILS, "Reading emails", "/emails", False, ("list_emails", "read_email")),
    Probe(Capability.EMAIL_SEND, "Sending email", "/emails/send", False, ("send_email",)),
    Probe(Capability.TEXTS, "Reading text messages", "/messages/thread_list", False, ("text_history",)),
    Probe(Capability.TEXT_SEND, "Sending text messages", "/phone_messages", False, ("send_text",)),
    Probe(Capability.PROPOSALS, "Listing proposals", "/proposals", False, ("list_proposals",)),
    Probe(Capability.DOCUMENTS, "Finding and sending a job's documents", "/jobs/{job_id}/documents", False,
          ("list_documents", "find_documents", "send_document")),
    Probe(Capability.WORKSHEETS, "Listing worksheets", "/worksheets", False, ("list_worksheets",)),
)  # fmt: skip
PROBE_OF: dict[Capability, Probe] = {probe.capability: probe for probe in PROBES}
CAPABILITY_OF_TOOL: dict[str, Capability] = {
    tool: probe.capability for probe in PROBES for tool in probe.tools
}


_KNOWN = frozenset(str(capability) for capability in Capability)


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"  # Leap could not say (down, busy): the tool stays offered


@dataclass(frozen=True)
class CapabilityReport:
    """What one account's Leap answered, and when it was asked."""

    checked_at: float
    answers: dict[Capability, Answer] = field(default_factory=dict)

    def lacks(self, capability: Capability) -> bool:
        return self.answers.get(capability) is Answer.NO

    def offers_tool(self, tool: str) -> bool:
        """False only when the tool's endpoint was found missing; unknown tools and answers offer it."""
        capability = CAPABILITY_OF_TOOL.get(tool)
        return capability is None or not self.lacks(capability)

    def to_json(self) -> str:
        return json.dumps(
            {"checked_at": self.checked_at, "answers": {str(k): str(v) for k, v in self.answers.items()}}
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> CapabilityReport:
        data = json.loads(raw)
        answers = {Capability(k): Answer(v) for k, v in data["answers"].items() if k in _KNOWN}
        return cls(checked_at=float(data["checked_at"]), answers=answers)


def not_available(tool: str, company: str = "this company") -> str:
    """What Hard-E says when a tool's endpoint is missing from the account: plainly, and what it can do."""
    probe = PROBE_OF[CAPABILITY_OF_TOOL[tool]]
    return (
        f"{probe.action} is not available through {company}'s Leap account: its Leap API does not offer "
        f"it. Say so plainly, and offer what you can do instead: {probe.instead}."
    )


async def check(leap: LeapClient) -> CapabilityReport:
    """Ask Leap once per capability (GETs only). Raises ``LeapAuthError`` if the token is refused."""
    jobs = (await leap.find_jobs(limit=1)).items
    job_id = int(jobs[0]["id"]) if jobs else 0  # no job: Leap's "no records" still proves the route
    answers: dict[Capability, Answer] = {}
    for probe in PROBES:
        found = await leap.has_endpoint(probe.path.format(job_id=job_id))
        answers[probe.capability] = Answer.UNKNOWN if found is None else (Answer.YES if found else Answer.NO)
    return CapabilityReport(checked_at=time.time(), answers=answers)


class CapabilityStore:
    """The last capability check of each tenant, in Redis under the tenant's prefix."""

    def __init__(self, redis: Redis, *, max_age_seconds: float = CHECK_EVERY_SECONDS) -> None:
        self._redis = redis
        self._max_age = max_age_seconds

    async def get(self, tenant_id: str) -> CapabilityReport | None:
        raw = await self._redis.get(self._key(tenant_id))
        return CapabilityReport.from_json(raw) if raw is not None else None

    async def save(self, tenant_id: str, report: CapabilityReport) -> None:
        await self._redis.set(self._key(tenant_id), report.to_json())

    async def forget(self, tenant_id: str) -> None:
        """A new Leap key: the next use checks again."""
        await self._redis.delete(self._key(tenant_id), self._lock(tenant_id))

    def is_stale(self, report: CapabilityReport | None) -> bool:
        return report is None or time.time() - report.checked_at >= self._max_age

    async def claim_check(self, tenant_id: str) -> bool:
        """True for the one worker that should run the due check now (others keep the old answers)."""
        return bool(await self._redis.set(self._lock(tenant_id), "1", nx=True, ex=_CHECK_LOCK_SECONDS))

    async def release_check(self, tenant_id: str) -> None:
        await self._redis.delete(self._lock(tenant_id))

    async def mark_missing(self, tenant_id: str, tools: Iterable[str]) -> None:
        """A tool failed for want of its endpoint: stop offering it until the next check."""
        report = await self.get(tenant_id) or CapabilityReport(checked_at=0.0)
        answers = dict(report.answers)
        for tool in tools:
            if tool in CAPABILITY_OF_TOOL:
                answers[CAPABILITY_OF_TOOL[tool]] = Answer.NO
        await self.save(tenant_id, CapabilityReport(checked_at=report.checked_at, answers=answers))

    @staticmethod
    def _key(tenant_id: str) -> str:
        return tenant_key(tenant_id, "leap", "capabilities")

    @staticmethod
    def _lock(tenant_id: str) -> str:
        return tenant_key(tenant_id, "leap", "capabilities", "checking")


async def refresh(store: CapabilityStore, tenant_id: str, leap: LeapClient) -> CapabilityReport | None:
    """Run a due check if no other worker is running it; store and return the answers. A Leap that
    fails (bad token, down) leaves the old answers and is logged, never raised: tools stay offered."""
    if not await store.claim_check(tenant_id):
        return None
    try:
        report = await check(leap)
    except LeapError as error:
        log.warning("Leap capability check for tenant %s failed: %s", tenant_id, error)
        return None
    finally:
        await store.release_check(tenant_id)
    await store.save(tenant_id, report)
    log.info(
        "Leap capability check for tenant %s: lacks %s",
        tenant_id,
        ", ".join(sorted(c for c, answer in report.answers.items() if answer is Answer.NO)) or "nothing",
    )
    return report


def tool_table(probes: Sequence[Probe] = PROBES) -> list[tuple[str, str, str]]:
    """(tool, endpoint checked, published or unpublished), one row per tool, for docs and the CLI."""
    return [
        (tool, probe.path, "published" if probe.published else "unpublished")
        for probe in probes
        for tool in probe.tools
    ]
