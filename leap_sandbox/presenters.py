"""Leap's wire shapes for the records several areas share, plus the `includes[]` mechanism.

Include rule (reference §2.4): a collection is wrapped `{"data": [...]}`, a single object is bare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from leap_sandbox.clock import format_date, format_timestamp
from leap_sandbox.dataset import Dataset
from leap_sandbox.geography import COUNTRIES_BY_ID, STATES_BY_ID
from leap_sandbox.models import (
    Address,
    Customer,
    Division,
    Job,
    Note,
    Phone,
    Stage,
    SubContractor,
    Trade,
    User,
    WorkType,
)

T = TypeVar("T")
Wire = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Include(Generic[T]):
    fetch: Callable[[Dataset, T], Any]
    many: bool = False


def attach(body: Wire, ds: Dataset, record: T, names: Iterable[str], table: Mapping[str, Include[T]]) -> Wire:
    """Add each requested include Leap knows for this record type; unknown names are ignored."""
    for name in names:
        include = table.get(name)
        if include is not None:
            value = include.fetch(ds, record)
            body[name] = {"data": value} if include.many else value
    return body


# -- small shared objects ---------------------------------------------------------------------------


def address(value: Address | None) -> Wire | None:
    if value is None:
        return None
    return {
        "id": value.id,
        "address": value.address,
        "address_line_1": value.address_line_1,
        "city": value.city,
        "state_id": value.state_id,
        "state": _pick(STATES_BY_ID.get(value.state_id or 0), "id", "name", "code"),
        "country_id": value.country_id,
        "country": _pick(COUNTRIES_BY_ID.get(value.country_id), "id", "name", "code"),
        "zip": value.zip,
        "lat": value.lat,
        "long": value.long,
    }


def _pick(source: Mapping[str, Any] | None, *keys: str) -> Wire | None:
    return {key: source[key] for key in keys} if source is not None else None


def phone(value: Phone) -> Wire:
    return {
        "id": value.id,
        "label": value.label,
        "number": value.number,
        "ext": value.ext,
        "is_primary": value.is_primary,
    }


_GROUP_IDS = {"owner": 5, "admin": 2, "standard": 3, "open_api": 9}
"""Leap user groups are roles; the Open API user is group 9 (reference §2.2)."""


def user(value: User) -> Wire:
    return {
        "id": value.id,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "full_name": value.full_name,
        "email": value.email,
        "company_id": Dataset.company_id,
        "company_name": Dataset.company_name,
        "admin_privilege": value.admin_privilege,
        "group": {"id": _GROUP_IDS.get(value.role, 3), "name": value.role.replace("_", " ").title()},
        "added_date": format_date(value.added_date),
        "profile_pic": None,
        "active": value.active,
        "color": value.color,
    }


def user_profile(value: User) -> Wire:
    return {
        "phone": value.phone,
        "additional_phone": [],
        "address": None,
        "city": None,
        "state": None,
        "zip": None,
        "position": value.position,
    }


def users(ds: Dataset, ids: Iterable[int]) -> list[Wire]:
    return [user(found) for found in (ds.user(user_id) for user_id in ids) if found is not None]


def optional_user(ds: Dataset, user_id: int | None) -> Wire | None:
    found = ds.user(user_id)
    return user(found) if found is not None else None


def stage_ref(stage: Stage | None) -> Wire | None:
    """The `current_stage` object jobs carry."""
    return {"name": stage.name, "color": stage.color, "code": stage.code} if stage is not None else None


def stage(ds: Dataset, value: Stage) -> Wire:
    return {
        "id": value.id,
        "code": value.code,
        "workflow_id": 7,
        "name": value.name,
        "locked": value.locked,
        "position": value.position,
        "color": value.color,
        "options": None,
        "created_at": "2024-01-15 09:00:00",
        "updated_at": "2024-01-15 09:00:00",
        "jobs_count": sum(1 for job in ds.jobs.values() if job.stage_code == value.code and not job.archived),
    }


def trade(value: Trade) -> Wire:
    return {"id": value.id, "name": value.name, "color": value.color}


def work_type(value: WorkType) -> Wire:
    return {"id": value.id, "name": value.name, "trade_id": value.trade_id, "color": value.color}


def trades(ds: Dataset, ids: Iterable[int]) -> list[Wire]:
    return [{"id": ds.trades[i].id, "name": ds.trades[i].name} for i in ids if i in ds.trades]


def division(value: Division) -> Wire:
    return {
        "id": value.id,
        "name": value.name,
        "code": value.code,
        "color": value.color,
        "qb_id": None,
        "email": value.email,
        "phone": value.phone,
        "phone_ext": None,
    }


def sub_contractor(ds: Dataset, value: SubContractor) -> Wire:
    return {
        "id": value.id,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "full_name": f"{value.first_name} {value.last_name}",
        "email": value.email,
        "company_name": value.company_name,
        "type": value.type,
        "additional_phone": [{"label": "cell", "phone": value.phone, "ext": None}],
        "address": None,
        "address_line_1": None,
        "city": value.city,
        "zip": value.zip,
        "state": "Colorado",
        "country": "United States",
        "is_active": value.is_active,
        "profile_pic": None,
        "note": value.note,
        "rating": value.rating,
        "color": value.color,
        "group_id": 4 if value.type == "sub_contractor" else 6,
        "trades": {"data": trades(ds, value.trade_ids)},
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.created_at),
    }


# -- customers --------------------------------------------------------------------------------------


def customer(ds: Dataset, value: Customer, includes: Iterable[str] = ()) -> Wire:
    body: Wire = {
        "id": value.id,
        "company_name": value.company_name,
        "first_name": value.first_name,
        "last_name": value.last_name,
        "full_name": value.full_name,
        "email": value.email,
        "additional_emails": list(value.additional_emails),
        "referred_by_type": value.referred_by_type,
        "referred_by_id": value.referred_by_id,
        "referred_by_note": value.referred_by_note,
        "call_required": value.call_required,
        "appointment_required": value.appointment_required,
        "note": value.note,
        "is_commercial": value.is_commercial,
        "rep_id": value.rep_id,
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.updated_at),
        "deleted_at": None,
        "management_company": value.management_company,
        "property_name": value.property_name,
        "canvasser": optional_user(ds, value.canvasser_id),
        "call_center_rep": optional_user(ds, value.call_center_rep_id),
    }
    return attach(body, ds, value, includes, CUSTOMER_INCLUDES)


CUSTOMER_INCLUDES: dict[str, Include[Customer]] = {
    "phones": Include(lambda ds, c: [phone(p) for p in c.phones], many=True),
    "address": Include(lambda ds, c: address(c.address)),
    "billing": Include(lambda ds, c: address(c.billing or c.address)),
    "rep": Include(lambda ds, c: optional_user(ds, c.rep_id)),
    "jobs": Include(
        lambda ds, c: [job(ds, j) for j in ds.jobs.values() if j.customer_id == c.id and not j.archived],
        many=True,
    ),
    "contacts": Include(lambda ds, c: [], many=True),
}


# -- jobs -------------------------------------------------------------------------------------------


def job(ds: Dataset, value: Job, includes: Iterable[str] = ()) -> Wire:
    body: Wire = {
        "id": value.id,
        "name": value.name,
        "number": value.number,
        "customer_id": value.customer_id,
        "description": value.description,
        "same_as_customer_address": int(value.address is None),
        "other_trade_type_description": None,
        "created_by": value.created_by,
        "created_at": format_timestamp(value.created_at),
        "created_date": format_date(value.created_at.date()),
        "updated_at": format_timestamp(value.updated_at),
        "deleted_at": None,
        "call_required": value.call_required,
        "appointment_required": value.appointment_required,
        "tax_rate": None,
        "alt_id": value.alt_id,
        "lead_number": value.lead_number,
        "duration": value.duration,
        "completion_date": format_date(value.completion_date),
        "contract_signed_date": format_date(value.contract_signed_date),
        "awarded_date": format_date(value.awarded_date),
        "current_stage": stage_ref(ds.stage(value.stage_code)),
        "stage_last_modified": format_timestamp(value.stage_last_modified),
        "contact_same_as_customer": 1,
        "insurance": str(value.insurance),
        "archived": format_timestamp(value.archived),
        "hover_job_id": None,
        "multi_job": 0,
        "division_id": value.division_id,
        "purchase_order_number": value.purchase_order_number,
    }
    return attach(body, ds, value, includes, JOB_INCLUDES)


def job_address(ds: Dataset, value: Job) -> Address | None:
    if value.address is not None:
        return value.address
    owner = ds.customers.get(value.customer_id)
    return owner.address if owner is not None else None


def financial_details(ds: Dataset, value: Job) -> Wire:
    """Leap's money view of a job (§9); `total_amount_owed` nets payments, credits and refunds."""
    received = ds.payments_received(value.id)
    total = round(value.price + value.change_order_amount, 2)
    owed = round(total - received - value.credit_amount + value.refund_amount, 2)
    return {
        "job_id": value.id,
        "total_job_price": value.price,
        "total_change_order_amount": value.change_order_amount,
        "total_payment_received": received,
        "total_amount_owed": owed,
        "total_credit_amount": value.credit_amount,
        "total_refund_amount": value.refund_amount,
        "final_job_total": total,
    }


JOB_INCLUDES: dict[str, Include[Job]] = {
    "customer": Include(lambda ds, j: customer(ds, c) if (c := ds.customers.get(j.customer_id)) else None),
    "address": Include(lambda ds, j: address(job_address(ds, j))),
    "reps": Include(lambda ds, j: users(ds, j.rep_ids), many=True),
    "estimators": Include(lambda ds, j: users(ds, j.estimator_ids), many=True),
    "trades": Include(lambda ds, j: trades(ds, j.trade_ids), many=True),
    "work_types": Include(
        lambda ds, j: [work_type(ds.work_types[w]) for w in j.work_type_ids if w in ds.work_types], many=True
    ),
    "sub_contractors": Include(
        lambda ds, j: [
            sub_contractor(ds, s) for i in j.sub_contractor_ids if (s := ds.sub_contractors.get(i))
        ],
        many=True,
    ),
    "division": Include(lambda ds, j: division(d) if (d := ds.divisions.get(j.division_id or 0)) else None),
    "financial_details": Include(financial_details),
    "insurance_details": Include(lambda ds, j: dict(j.insurance_details) if j.insurance_details else None),
    "job_notes": Include(
        lambda ds, j: [note(ds, n) for n in sorted_notes(ds, j.id)],
        many=True,
    ),
    "flags": Include(lambda ds, j: [], many=True),
    "custom_fields": Include(lambda ds, j: [], many=True),
}


# -- notes ------------------------------------------------------------------------------------------


def sorted_notes(ds: Dataset, job_id: int) -> list[Note]:
    """A job's notes, newest first (as Leap's note list shows them)."""
    return sorted(
        (n for n in ds.notes.values() if n.job_id == job_id), key=lambda n: (n.created_at, n.id), reverse=True
    )


def note(ds: Dataset, value: Note, includes: Iterable[str] = ()) -> Wire:
    body: Wire = {
        "id": value.id,
        "job_id": value.job_id,
        "stage_code": value.stage_code,
        "note": value.note,
        "mention_ids": list(value.mention_ids),
        "created_at": format_timestamp(value.created_at),
        "updated_at": format_timestamp(value.updated_at),
    }
    return attach(body, ds, value, includes, NOTE_INCLUDES)


NOTE_INCLUDES: dict[str, Include[Note]] = {
    "created_by": Include(lambda ds, n: optional_user(ds, n.created_by)),
    "modified_by": Include(lambda ds, n: optional_user(ds, n.modified_by)),
    "stage": Include(lambda ds, n: stage(ds, s) if (s := ds.stage(n.stage_code)) else None),
    "mentions": Include(lambda ds, n: users(ds, n.mention_ids), many=True),
}
