"""One company's data, as one token sees it: the tables, id sequences and the webhook feed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from leap_sandbox.clock import company_now, format_timestamp
from leap_sandbox.errors import NotFound
from leap_sandbox.models import (
    Appointment,
    Customer,
    Division,
    Email,
    Invoice,
    Job,
    JobDocument,
    Note,
    Notification,
    Payment,
    Referral,
    ResultOption,
    Schedule,
    SmsMessage,
    SmsThread,
    Stage,
    SubContractor,
    Task,
    Trade,
    User,
    Worksheet,
    WorkType,
)

T = TypeVar("T")

API_USER = User(
    id=1,
    first_name="Open API",
    last_name="User",
    email="api@leap.invalid",
    role="open_api",
    position="Open API",
    phone="",
    color="#607d8b",
    added_date=date(2024, 1, 15),
)
"""Leap attributes every write made with a developer token to this special company user (§2.2)."""


class Dataset:
    """Everything one Leap company holds. Mutated only from the event loop, so no locking is needed."""

    company_id = 5
    company_name = "Demo Roofing"

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.stages: list[Stage] = []
        self.trades: dict[int, Trade] = {}
        self.work_types: dict[int, WorkType] = {}
        self.divisions: dict[int, Division] = {}
        self.referrals: dict[int, Referral] = {}
        self.result_options: dict[int, ResultOption] = {}
        self.customers: dict[int, Customer] = {}
        self.jobs: dict[int, Job] = {}
        self.notes: dict[int, Note] = {}
        self.appointments: dict[int, Appointment] = {}
        self.invoices: dict[int, Invoice] = {}
        self.payments: dict[int, Payment] = {}
        self.documents: dict[int, JobDocument] = {}
        self.worksheets: dict[int, Worksheet] = {}
        self.sub_contractors: dict[int, SubContractor] = {}
        self.schedules: dict[int, Schedule] = {}
        self.tasks: dict[int, Task] = {}
        self.emails: dict[int, Email] = {}
        self.sms_threads: dict[int, SmsThread] = {}
        self.sms_messages: dict[int, SmsMessage] = {}
        self.notifications: dict[int, Notification] = {}
        self.sms_opted_out: set[str] = set()
        self.webhook_events: list[dict[str, Any]] = []
        self.outbox_email_ids: list[int] = []  # sent through the API, in order (seeded mail excluded)
        self.outbox_sms_ids: list[int] = []
        self._next_ids: dict[str, int] = {}

    # -- ids ----------------------------------------------------------------------------------------

    def start_ids(self, kind: str, first: int) -> None:
        """Give a table realistic-looking ids (Leap's are large, shared company-wide sequences)."""
        self._next_ids[kind] = first

    def next_id(self, kind: str) -> int:
        value = self._next_ids.get(kind, 1)
        self._next_ids[kind] = value + 1
        return value

    # -- lookups ------------------------------------------------------------------------------------

    @staticmethod
    def find(table: Mapping[int, T], record_id: int, model: str) -> T:
        """The record or Leap's 404 `<Model> Not Found`."""
        record = table.get(record_id)
        if record is None:
            raise NotFound(model)
        return record

    def user(self, user_id: int | None) -> User | None:
        if user_id == API_USER.id:
            return API_USER
        return self.users.get(user_id) if user_id is not None else None

    def stage(self, code: str | None) -> Stage | None:
        return next((stage for stage in self.stages if stage.code == code), None)

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    @property
    def awarded_stage(self) -> Stage:
        """The stage where a job counts as sold; every later stage is awarded too."""
        return next(stage for stage in self.stages if stage.name == "Contract Signed")

    def is_awarded(self, job: Job) -> bool:
        stage = self.stage(job.stage_code)
        return stage is not None and stage.position >= self.awarded_stage.position

    def payments_received(self, job_id: int) -> float:
        return round(
            sum(p.amount for p in self.payments.values() if p.job_id == job_id and p.canceled is None), 2
        )

    def new_job_number(self, customer_id: int, created: datetime) -> str:
        """Leap's `YYMM-<customer serial>-<sequence>` job number (`2605-8627717-01`)."""
        sequence = sum(1 for job in self.jobs.values() if job.customer_id == customer_id) + 1
        serial = (customer_id * 7919 + 8_620_000) % 9_000_000 + 1_000_000
        return f"{created:%y%m}-{serial:07d}-{sequence:02d}"

    # -- webhooks -----------------------------------------------------------------------------------

    def emit(self, action: str, operation: str, record_id: int, **extra: Any) -> None:
        """Record a §17 notification; Leap delivers these in arrays, which the control API returns."""
        self.webhook_events.append(
            {
                "action": action,
                "operation": operation,
                "id": record_id,
                "company_id": self.company_id,
                **extra,
                "created_at": format_timestamp(company_now()),
            }
        )
