"""Customers (reference §3): search, get with includes, create and update."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from leap_sandbox import presenters
from leap_sandbox.clock import company_now
from leap_sandbox.dataset import Dataset
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Includes, Page
from leap_sandbox.envelopes import item, ok, page_of
from leap_sandbox.errors import BusinessRuleError
from leap_sandbox.geography import COUNTRIES_BY_ID, STATES_BY_ID
from leap_sandbox.models import Address, Customer, Job, Phone
from leap_sandbox.validation import EMAIL_PATTERN, Validator

router = APIRouter(tags=["customers"])

PHONE_LABELS = ("home", "cell", "phone", "office", "fax", "other")
REFERRAL_TYPES = ("referral", "customer", "other", "website")
_DIGITS = re.compile(r"^\d{8,12}$")


@router.get("/customers", summary="Search customers")
async def list_customers(
    request: Request,
    ds: Data,
    paging: Page,
    includes: Includes,
    phone: Annotated[list[str], Query(description="Exact digits; repeat for several.", default_factory=list)],
    phone_list: Annotated[list[str], Query(alias="phone[]", default_factory=list)],
    rep_ids: Annotated[list[int], Query(alias="rep_ids[]", default_factory=list)],
    stages: Annotated[list[str], Query(alias="stages[]", default_factory=list)],
    trades: Annotated[list[int], Query(alias="trades[]", default_factory=list)],
    division_ids: Annotated[list[int], Query(alias="division_ids[]", default_factory=list)],
    query: str | None = None,
    name: str | None = None,
    email: str | None = None,
    keyword: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    city: str | None = None,
    zip_code: str | None = None,
    state_id: int | None = None,
    job_number: str | None = None,
    referred_by_type: str | None = None,
    has_jobs: bool | None = None,
) -> dict[str, Any]:
    tests: list[Callable[[Customer], bool]] = []
    if query:
        tests.append(lambda c: _query_matches(c, query))
    if name:
        tests.append(lambda c: _contains(name, c.full_name, c.first_name, c.last_name, c.company_name))
    if phone or phone_list:
        wanted = {re.sub(r"\D", "", number) for number in [*phone, *phone_list]}
        tests.append(lambda c: any(p.number in wanted for p in c.phones))
    if email:
        tests.append(lambda c: email.lower() in {e.lower() for e in [c.email or "", *c.additional_emails]})
    if keyword:
        tests.append(lambda c: _contains(keyword, c.full_name, c.company_name, *_address_words(c.address)))
    if first_name:
        tests.append(lambda c: _contains(first_name, c.first_name))
    if last_name:
        tests.append(lambda c: _contains(last_name, c.last_name))
    if city:
        tests.append(lambda c: c.address is not None and (c.address.city or "").lower() == city.lower())
    if zip_code:
        tests.append(lambda c: c.address is not None and c.address.zip == zip_code)
    if state_id is not None:
        tests.append(lambda c: c.address is not None and c.address.state_id == state_id)
    if rep_ids:
        tests.append(lambda c: c.rep_id in rep_ids)
    if referred_by_type:
        tests.append(lambda c: c.referred_by_type == referred_by_type)
    job_tests = _job_tests(job_number, stages, trades, division_ids)
    if job_tests:
        tests.append(
            lambda c: any(all(t(j) for t in job_tests) for j in ds.jobs.values() if j.customer_id == c.id)
        )
    if has_jobs is not None:
        tests.append(lambda c: any(j.customer_id == c.id for j in ds.jobs.values()) == has_jobs)
    found = [c for c in ds.customers.values() if all(test(c) for test in tests)]
    found.sort(
        key=lambda c: ((c.last_name or c.company_name or "").lower(), (c.first_name or "").lower(), c.id)
    )
    return page_of(found, paging, request.url, lambda c: presenters.customer(ds, c, includes))


def _query_matches(customer: Customer, query: str) -> bool:
    """Leap's `query`: email or "first last" partial match, and only on customers that have an email."""
    if not customer.email:
        return False
    first_last = f"{customer.first_name or ''} {customer.last_name or ''}"
    return _contains(query, customer.email, *customer.additional_emails, first_last)


def _contains(needle: str, *haystack: str | None) -> bool:
    wanted = needle.strip().lower()
    return any(wanted in value.lower() for value in haystack if value)


def _address_words(address: Address | None) -> list[str | None]:
    return [address.address, address.city, address.zip] if address is not None else []


def _job_tests(
    job_number: str | None, stages: list[str], trades: list[int], division_ids: list[int]
) -> list[Callable[[Job], bool]]:
    tests: list[Callable[[Job], bool]] = []
    if job_number:
        tests.append(lambda j: j.number == job_number)
    if stages:
        tests.append(lambda j: j.stage_code in stages)
    if trades:
        tests.append(lambda j: bool(set(j.trade_ids) & set(trades)))
    if division_ids:
        tests.append(lambda j: j.division_id in division_ids)
    return tests


@router.get("/customers/{customer_id:int}", summary="Get one customer")
async def get_customer(customer_id: int, ds: Data, includes: Includes) -> dict[str, Any]:
    customer = ds.find(ds.customers, customer_id, "Customer")
    return item(presenters.customer(ds, customer, includes))


@router.post("/customers", summary="Create a customer", openapi_extra=FORM_BODY_DOC)
async def create_customer(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    fields = read_customer_fields(v, ds, None)
    v.check()
    customer = create_customer_record(ds, fields)
    return ok(message="Prospect / Customer saved successfully.", customer=saved_customer(ds, customer))


@router.put("/customers/{customer_id:int}", summary="Update a customer", openapi_extra=FORM_BODY_DOC)
async def update_customer(customer_id: int, ds: Data, body: Body) -> dict[str, Any]:
    customer = ds.find(ds.customers, customer_id, "Customer")
    v = Validator(body)
    changes = read_customer_fields(v, ds, customer)
    v.check()
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.updated_at = company_now()
    return ok(message="Prospect / Customer updated successfully.", customer=saved_customer(ds, customer))


def saved_customer(ds: Dataset, customer: Customer) -> dict[str, Any]:
    """What a write answers with: the customer and the parts the caller just sent."""
    return presenters.customer(ds, customer, ("phones", "address", "billing", "rep"))


def create_customer_record(ds: Dataset, fields: dict[str, Any]) -> Customer:
    """Store a new customer from validated fields. Used by prospects too."""
    now = company_now()
    customer = Customer(id=ds.next_id("customer"), created_at=now, updated_at=now, **fields)
    ds.customers[customer.id] = customer
    ds.emit("customers", "create", customer.id)
    return customer


def read_customer_fields(v: Validator, ds: Dataset, existing: Customer | None) -> dict[str, Any]:
    """Customer attributes that were sent; problems go to `v` (the caller checks). Required fields are
    required on update too, as in Leap."""
    commercial = v.flag("is_commercial")
    is_commercial = commercial if commercial is not None else (existing.is_commercial if existing else 0)
    fields: dict[str, Any] = {
        "first_name": v.text("first_name", required=not is_commercial),
        "last_name": v.text("last_name", required=not is_commercial),
        "company_name": v.text("company_name", required=bool(is_commercial)),
        "email": v.email("email"),
        "note": v.text("note", max_length=5000),
        "referred_by_type": v.choice("referred_by_type", REFERRAL_TYPES),
        "referred_by_id": v.integer("referred_by_id"),
        "referred_by_note": v.text("referred_by_note"),
        "rep_id": v.integer("rep_id", among=ds.users),
        "canvasser_id": v.integer("canvasser_id", among=ds.users),
        "call_center_rep_id": v.integer("call_center_rep_id", among=ds.users),
        "call_required": v.flag("call_required"),
        "appointment_required": v.flag("appointment_required"),
        "management_company": v.text("management_company"),
        "property_name": v.text("property_name"),
        "is_commercial": commercial,
        "phones": _read_phones(v, ds),
        "additional_emails": _read_additional_emails(v),
        "address": _read_optional_address(v.child("address"), ds, existing.address if existing else None),
        "billing": _read_billing(v, ds, existing),
    }
    return {key: value for key, value in fields.items() if value is not None or v.sent(key)}


def _read_phones(v: Validator, ds: Dataset) -> list[Phone] | None:
    phones = []
    for index, child in enumerate(v.children("phones", required=True) or []):
        label = child.choice("label", PHONE_LABELS, required=True)
        number = child.text("number", required=True)
        if number is not None and not _DIGITS.match(number):
            child.fail("number", f"The {child.name('number')} must be between 8 and 12 digits.")
        if label is not None and number is not None:
            phones.append(Phone(ds.next_id("phone"), label, number, child.text("ext"), int(index == 0)))
    return phones or None


def _read_additional_emails(v: Validator) -> list[str] | None:
    emails = v.text_list("additional_emails")
    for index, address in enumerate(emails or []):
        if not EMAIL_PATTERN.match(address):
            v.fail(
                f"additional_emails.{index}", f"The additional_emails.{index} must be a valid email address."
            )
    return emails


def _read_billing(v: Validator, ds: Dataset, existing: Customer | None) -> Address | None:
    billing = v.child("billing")
    if billing is None or billing.flag("same_as_customer_address") in (None, 1):
        return None
    return read_address(billing, ds, existing.billing if existing else None)


def _read_optional_address(v: Validator | None, ds: Dataset, existing: Address | None) -> Address | None:
    return read_address(v, ds, existing) if v is not None else None


def read_address(v: Validator, ds: Dataset, existing: Address | None, *, required: bool = False) -> Address:
    """An address from `address[...]` fields; parts not sent keep their old values."""
    base = existing or Address(ds.next_id("address"), None, None, None, None)
    return Address(
        id=base.id,
        address=v.text("address", required=required) or base.address,
        address_line_1=v.text("address_line_1") or base.address_line_1,
        city=v.text("city", required=required) or base.city,
        state_id=v.integer("state_id", among=STATES_BY_ID) or base.state_id,
        country_id=v.integer("country_id", among=COUNTRIES_BY_ID) or base.country_id,
        zip=v.text("zip") or base.zip,
        lat=base.lat,
        long=base.long,
    )


@router.delete(
    "/customers/{customer_id:int}",
    summary="Delete a new customer and their lead-stage jobs (proposed, invented; undo of create)",
    tags=["customers (proposed)"],
)
async def delete_customer(customer_id: int, ds: Data) -> dict[str, Any]:
    customer = ds.find(ds.customers, customer_id, "Customer")
    jobs = [j for j in ds.jobs.values() if j.customer_id == customer.id]
    if any(j.stage_code != ds.first_stage.code for j in jobs):
        raise BusinessRuleError("Customer has jobs in progress and cannot be deleted.")
    job_ids = {j.id for j in jobs}
    for table in (ds.notes, ds.tasks, ds.documents, ds.worksheets):
        for record_id in [i for i, record in table.items() if record.job_id in job_ids]:
            del table[record_id]
    for appointment_id in [
        i for i, a in ds.appointments.items() if a.customer_id == customer.id or set(a.job_ids) & job_ids
    ]:
        del ds.appointments[appointment_id]
    for job_id in job_ids:
        del ds.jobs[job_id]
        ds.emit("jobs", "delete", job_id)
    del ds.customers[customer.id]
    ds.emit("customers", "delete", customer.id)
    return ok(message="Customer deleted successfully.")
