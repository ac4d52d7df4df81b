"""The emulator's records: what one Leap company holds, with relations as ids.

Records keep native types (datetime, date, id lists); `presenters` turns them into Leap's wire shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal


@dataclass(slots=True)
class Address:
    id: int
    address: str | None
    city: str | None
    state_id: int | None
    zip: str | None
    country_id: int = 1
    address_line_1: str = ""
    lat: float | None = None
    long: float | None = None


@dataclass(slots=True)
class Phone:
    id: int
    label: str
    number: str
    ext: str | None = None
    is_primary: int = 0


@dataclass(slots=True)
class User:
    id: int
    first_name: str
    last_name: str
    email: str
    role: str
    position: str
    phone: str
    color: str
    added_date: date
    admin_privilege: int = 0
    active: int = 1
    division_ids: list[int] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(slots=True)
class Stage:
    id: int
    code: str
    name: str
    color: str
    position: int
    locked: int = 0


@dataclass(slots=True)
class Trade:
    id: int
    name: str
    color: str


@dataclass(slots=True)
class WorkType:
    id: int
    name: str
    trade_id: int
    color: str


@dataclass(slots=True)
class Division:
    id: int
    name: str
    code: str
    color: str
    email: str
    phone: str
    address: Address
    trade_ids: list[int]


@dataclass(slots=True)
class Referral:
    id: int
    name: str
    created_at: datetime


@dataclass(slots=True)
class Customer:
    id: int
    created_at: datetime
    updated_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phones: list[Phone] = field(default_factory=list)
    address: Address | None = None
    company_name: str | None = None
    is_commercial: int = 0
    additional_emails: list[str] = field(default_factory=list)
    note: str | None = None
    referred_by_type: str | None = None
    referred_by_id: int | None = None
    referred_by_note: str | None = None
    rep_id: int | None = None
    call_required: int = 0
    appointment_required: int = 0
    billing: Address | None = None  # None: billing is the customer address
    canvasser_id: int | None = None
    call_center_rep_id: int | None = None
    management_company: str | None = None
    property_name: str | None = None

    @property
    def full_name(self) -> str:
        names = " ".join(part for part in (self.first_name, self.last_name) if part)
        return names or (self.company_name or "")


@dataclass(slots=True)
class Job:
    id: int
    customer_id: int
    number: str
    name: str
    description: str
    trade_ids: list[int]
    stage_code: str
    stage_last_modified: datetime
    created_at: datetime
    updated_at: datetime
    created_by: int
    work_type_ids: list[int] = field(default_factory=list)
    division_id: int | None = None
    rep_ids: list[int] = field(default_factory=list)
    estimator_ids: list[int] = field(default_factory=list)
    sub_contractor_ids: list[int] = field(default_factory=list)
    address: Address | None = None  # None: the job is at the customer's address
    call_required: int = 0
    appointment_required: int = 0
    insurance: int = 0
    insurance_details: dict[str, Any] | None = None
    archived: datetime | None = None
    awarded_date: date | None = None
    contract_signed_date: date | None = None
    completion_date: date | None = None
    alt_id: str | None = None
    lead_number: str | None = None
    duration: str | None = None
    purchase_order_number: str | None = None
    price: float = 0.0
    change_order_amount: float = 0.0
    credit_amount: float = 0.0
    refund_amount: float = 0.0


@dataclass(slots=True)
class Note:
    id: int
    job_id: int
    note: str
    stage_code: str | None
    created_by: int
    created_at: datetime
    updated_at: datetime
    mention_ids: list[int] = field(default_factory=list)
    modified_by: int | None = None


@dataclass(slots=True)
class ResultOption:
    id: int
    name: str
    fields: list[dict[str, str]]
    active: int = 1


@dataclass(slots=True)
class Appointment:
    id: int
    title: str
    start: datetime
    end: datetime
    created_by: int
    created_at: datetime
    updated_at: datetime
    full_day: int = 0
    description: str | None = None
    location: str | None = None
    location_type: str | None = None
    customer_id: int | None = None
    user_id: int | None = None
    attendee_ids: list[int] = field(default_factory=list)
    job_ids: list[int] = field(default_factory=list)
    invites: list[str] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)
    is_completed: int = 0
    result_option_id: int | None = None
    result: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class InvoiceLine:
    description: str
    quantity: float
    amount: float
    trade_id: int | None = None


@dataclass(slots=True)
class Invoice:
    id: int
    job_id: int
    customer_id: int
    invoice_number: str
    title: str
    lines: list[InvoiceLine]
    tax_rate: float
    issued_on: date
    due_date: date
    open_balance: float
    created_at: datetime
    description: str | None = None
    note: str | None = None

    @property
    def amount(self) -> float:
        return round(sum(line.amount * line.quantity for line in self.lines), 2)

    @property
    def total_amount(self) -> float:
        return round(self.amount * (1 + self.tax_rate / 100), 2)


@dataclass(slots=True)
class Payment:
    id: int
    job_id: int
    customer_id: int
    method: str
    amount: float
    serial_number: str
    paid_on: date
    created_at: datetime
    echeque_number: str | None = None
    canceled: datetime | None = None
    cancel_note: str | None = None
    note: str | None = None
    applied: dict[int, float] = field(default_factory=dict)  # invoice id -> amount taken off its balance


DocumentKind = Literal["measurement", "estimate", "proposal", "work_order", "material", "photo"]
DOCUMENT_KINDS: tuple[DocumentKind, ...] = (
    "measurement",
    "estimate",
    "proposal",
    "work_order",
    "material",
    "photo",
)


@dataclass(slots=True)
class JobDocument:
    """A file on a job: a measurement report, estimate, proposal, work order, material list or photo.
    Proposals and estimates are also listed on their own (Leap's internal `proposals`/`estimations`)."""

    id: int
    kind: DocumentKind
    job_id: int
    title: str
    file_name: str
    created_at: datetime
    updated_at: datetime
    serial_number: str | None = None
    total_amount: float | None = None
    status: str | None = None  # proposals only: draft, sent, viewed, accepted, rejected
    source: str = "worksheet"  # proposals/estimates: template, file, worksheet, google_sheet
    total_pages: int = 1
    note: str | None = None
    is_digital_signed: int = 0

    @property
    def mime_type(self) -> str:
        return "image/jpeg" if self.file_name.endswith(".jpg") else "application/pdf"


WORKSHEET_TYPES = ("profit_loss", "selling_price", "material_list", "estimate", "proposal", "work_order")


@dataclass(slots=True)
class Worksheet:
    """Line-item sheets behind a job's numbers (Leap's internal worksheets; listing shape invented)."""

    id: int
    job_id: int
    type: str
    name: str
    total: float
    line_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class SubContractor:
    id: int
    first_name: str
    last_name: str
    company_name: str
    email: str
    phone: str
    type: str  # labor | sub_contractor
    trade_ids: list[int]
    city: str
    zip: str
    color: str
    created_at: datetime
    rating: int = 4
    is_active: int = 1
    note: str | None = None


@dataclass(slots=True)
class Schedule:
    id: int
    title: str
    job_id: int
    customer_id: int
    start: datetime
    end: datetime
    created_at: datetime
    updated_at: datetime
    full_day: int = 0
    description: str | None = None
    is_completed: int = 0
    rep_ids: list[int] = field(default_factory=list)
    sub_contractor_ids: list[int] = field(default_factory=list)
    trade_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Task:
    id: int
    title: str
    user_ids: list[int]
    created_by: int
    created_at: datetime
    updated_at: datetime
    notes: str | None = None
    job_id: int | None = None
    due_date: date | None = None
    completed: datetime | None = None
    completed_by: int | None = None
    notify_user_ids: list[int] = field(default_factory=list)
    stage_code: str | None = None
    locked: int = 0
    is_high_priority_task: int = 0
    reminder_type: str | None = None
    reminder_frequency: int | None = None


@dataclass(slots=True)
class Email:
    id: int
    subject: str
    content: str
    sender: str
    to: list[str]
    thread_id: str
    status: str  # sent | received
    created_at: datetime
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    customer_id: int | None = None
    job_ids: list[int] = field(default_factory=list)
    is_read: int = 1
    reply_to: int | None = None
    created_by: int | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class SmsThread:
    id: int
    phone_number: str
    customer_id: int | None


@dataclass(slots=True)
class SmsMessage:
    id: int
    thread_id: int
    content: str
    phone_number: str
    direction: str  # inbound | outbound
    created_at: datetime
    customer_id: int | None = None
    job_id: int | None = None
    sender_id: int | None = None
    status: str = "delivered"
    media: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Notification:
    id: int
    user_id: int
    type: str
    message: str
    job_id: int
    note_id: int
    mention_by: int
    created_at: datetime
    is_read: int = 0
