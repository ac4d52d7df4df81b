"""Jobs (reference §5): list with Leap's filters, get with includes, create, update."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from leap_sandbox import presenters
from leap_sandbox.clock import company_now, parse_date
from leap_sandbox.dataset import API_USER, Dataset
from leap_sandbox.deps import FORM_BODY_DOC, Body, Data, Includes, Page
from leap_sandbox.envelopes import item, ok, page_of
from leap_sandbox.errors import BusinessRuleError, ValidationFailed
from leap_sandbox.models import Job
from leap_sandbox.routes.customers import read_address
from leap_sandbox.validation import Validator

router = APIRouter(tags=["jobs"])

ARCHIVED_MESSAGE = "This job has been archived."

_DATE_RANGE_FIELDS: dict[str, Callable[[Job], date | None]] = {
    "job_created_date": lambda j: j.created_at.date(),
    "job_stage_changed_date": lambda j: j.stage_last_modified.date(),
    "job_completion_date": lambda j: j.completion_date,
    "contract_signed_date": lambda j: j.contract_signed_date,
    "job_awarded_date": lambda j: j.awarded_date,
    "job_updated_date": lambda j: j.updated_at.date(),
}

_SORT_KEYS: dict[str, Callable[[Job], Any]] = {
    "created_date": lambda j: (j.created_at, j.id),
    "updated_at": lambda j: (j.updated_at, j.id),
    "stage_last_modified": lambda j: (j.stage_last_modified, j.id),
    "name": lambda j: (j.name.lower(), j.id),
    "number": lambda j: (j.number, j.id),
    "id": lambda j: j.id,
}


def live_job(ds: Dataset, job_id: int) -> Job:
    """A job that may be worked on: 404 when missing, 412 when archived."""
    job = ds.find(ds.jobs, job_id, "Job")
    if job.archived:
        raise BusinessRuleError(ARCHIVED_MESSAGE)
    return job


@router.get("/jobs", summary="Search jobs")
async def list_jobs(
    request: Request,
    ds: Data,
    paging: Page,
    includes: Includes,
    job_ids: Annotated[list[int], Query(alias="job_ids[]", default_factory=list)],
    stages: Annotated[list[str], Query(alias="stages[]", default_factory=list)],
    trades: Annotated[list[int], Query(alias="trades[]", default_factory=list)],
    work_types: Annotated[list[int], Query(alias="work_types[]", default_factory=list)],
    division_ids: Annotated[list[int], Query(alias="division_ids[]", default_factory=list)],
    rep_ids: Annotated[list[int], Query(alias="rep_ids[]", default_factory=list)],
    estimator_ids: Annotated[list[int], Query(alias="estimator_ids[]", default_factory=list)],
    keyword: str | None = None,
    customer_id: int | None = None,
    job_number: str | None = None,
    customer_name: str | None = None,
    name: str | None = None,
    awarded_jobs: bool | None = None,
    date_range_type: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    with_archived: bool = False,
    only_archived: bool = False,
    sort_by: str = "created_date",
    sort_order: str = "desc",
) -> dict[str, Any]:
    tests: list[Callable[[Job], bool]] = []
    if only_archived:
        tests.append(lambda j: j.archived is not None)
    elif not with_archived:
        tests.append(lambda j: j.archived is None)
    if keyword:
        tests.append(lambda j: _keyword_matches(ds, j, keyword))
    if job_ids:
        tests.append(lambda j: j.id in job_ids)
    if customer_id is not None:
        tests.append(lambda j: j.customer_id == customer_id)
    if job_number:
        tests.append(lambda j: j.number == job_number.strip())
    if customer_name:
        tests.append(lambda j: _contains(customer_name, _customer_name(ds, j)))
    if name:
        tests.append(lambda j: _contains(name, j.name))
    memberships: dict[str, list[Any]] = {
        "stage": stages,
        "trades": trades,
        "work_types": work_types,
        "division": division_ids,
        "reps": rep_ids,
        "estimators": estimator_ids,
    }
    tests.extend(_membership_test(attribute, wanted) for attribute, wanted in memberships.items() if wanted)
    if awarded_jobs is not None:
        tests.append(lambda j: ds.is_awarded(j) == awarded_jobs)
    if date_range_type or start_date or end_date:
        tests.append(_date_range_test(date_range_type, start_date, end_date))
    if sort_by not in _SORT_KEYS or sort_order.lower() not in ("asc", "desc"):
        bad = "sort_by" if sort_by not in _SORT_KEYS else "sort_order"
        raise ValidationFailed({bad: [f"The selected {bad.replace('_', ' ')} is invalid."]})
    found = sorted(
        (j for j in ds.jobs.values() if all(test(j) for test in tests)),
        key=_SORT_KEYS[sort_by],
        reverse=sort_order.lower() == "desc",
    )
    return page_of(found, paging, request.url, lambda j: presenters.job(ds, j, includes))


def _contains(needle: str, *haystack: str | None) -> bool:
    wanted = needle.strip().lower()
    return any(wanted in value.lower() for value in haystack if value)


def _customer_name(ds: Dataset, job: Job) -> str:
    customer = ds.customers.get(job.customer_id)
    return " ".join(filter(None, [customer.full_name, customer.company_name])) if customer else ""


def _keyword_matches(ds: Dataset, job: Job, keyword: str) -> bool:
    where = presenters.job_address(ds, job)
    place = [where.address, where.city, where.zip] if where else []
    return _contains(keyword, job.name, job.number, job.description, _customer_name(ds, job), *place)


def _membership_test(attribute: str, wanted: list[Any]) -> Callable[[Job], bool]:
    values: dict[str, Callable[[Job], list[Any]]] = {
        "stage": lambda j: [j.stage_code],
        "trades": lambda j: j.trade_ids,
        "work_types": lambda j: j.work_type_ids,
        "division": lambda j: [j.division_id],
        "reps": lambda j: j.rep_ids,
        "estimators": lambda j: j.estimator_ids,
    }
    read = values[attribute]
    return lambda j: any(value in wanted for value in read(j))


def _date_range_test(kind: str | None, start: str | None, end: str | None) -> Callable[[Job], bool]:
    errors: dict[str, list[str]] = {}
    kind = kind or "job_created_date"
    if kind not in _DATE_RANGE_FIELDS:
        errors["date_range_type"] = ["The selected date range type is invalid."]
    first = parse_date(start) if start else date.min
    last = parse_date(end) if end else date.max
    for field, raw, parsed in (("start_date", start, first), ("end_date", end, last)):
        if raw and parsed is None:
            errors[field] = [f"The {field.replace('_', ' ')} does not match the format Y-m-d."]
    if errors:
        raise ValidationFailed(errors)
    read = _DATE_RANGE_FIELDS[kind]
    low, high = first or date.min, last or date.max

    def within(job: Job) -> bool:
        value = read(job)
        return value is not None and low <= value <= high

    return within


@router.get("/jobs/{job_id:int}", summary="Get one job")
async def get_job(job_id: int, ds: Data, includes: Includes) -> dict[str, Any]:
    job = ds.jobs.get(job_id)
    if job is None:
        raise BusinessRuleError("No records found!")
    if job.archived:
        raise BusinessRuleError(ARCHIVED_MESSAGE)
    return item(presenters.job(ds, job, includes))


@router.post("/jobs", summary="Create a job", openapi_extra=FORM_BODY_DOC)
async def create_job(ds: Data, body: Body) -> dict[str, Any]:
    v = Validator(body)
    customer_id = v.integer("customer_id", required=True, among=ds.customers)
    fields = read_job_fields(v, ds, None)
    v.check()
    assert customer_id is not None  # check() raised otherwise
    job = create_job_record(ds, customer_id, fields)
    return ok(message="Job saved successfully.", job=presenters.job(ds, job))


@router.put("/jobs/{job_id:int}", summary="Update a job", openapi_extra=FORM_BODY_DOC)
async def update_job(job_id: int, ds: Data, body: Body) -> dict[str, Any]:
    job = live_job(ds, job_id)
    v = Validator(body)
    customer_id = v.integer("customer_id", required=True, among=ds.customers)
    if not v.present("same_as_customer_address"):
        v.fail("same_as_customer_address", "The same as customer address field is required.")
    fields = read_job_fields(v, ds, job)
    v.check()
    fields["customer_id"] = customer_id
    for field, value in fields.items():
        setattr(job, field, value)
    job.updated_at = company_now()
    return ok(message="Job updated successfully.", data=presenters.job(ds, job))


def read_job_fields(v: Validator, ds: Dataset, existing: Job | None) -> dict[str, Any]:
    """Job attributes that were sent; problems go to `v` (the caller checks). Prospects read `job[...]`
    with this too."""
    fields: dict[str, Any] = {
        "description": v.text("description", required=True, max_length=5000),
        "trade_ids": v.int_list("trades", required=True, among=ds.trades),
        "name": v.text("name"),
        "division_id": v.integer("division_id", among=ds.divisions),
        "rep_ids": v.int_list("rep_ids", among=ds.users),
        "estimator_ids": v.int_list("estimator_ids", among=ds.users),
        "work_type_ids": v.int_list("work_types", among=ds.work_types),
        "sub_contractor_ids": _crew_ids(v, ds),
        "call_required": v.flag("call_required"),
        "appointment_required": v.flag("appointment_required"),
        "alt_id": v.text("alt_id"),
        "lead_number": v.text("lead_number"),
        "duration": v.text("duration"),
        "purchase_order_number": v.text("purchase_order_number"),
        "insurance": v.flag("insurance"),
        "insurance_details": _insurance_details(v),
    }
    changes = {key: value for key, value in fields.items() if value is not None}
    same_as_customer = v.flag("same_as_customer_address")
    if same_as_customer == 0:
        address = v.child("address")
        if address is None:
            v.fail("address", "The address field is required when same as customer address is 0.")
        else:
            changes["address"] = read_address(
                address, ds, existing.address if existing else None, required=True
            )
    elif same_as_customer == 1:
        changes["address"] = None
    v.check()
    return changes


def _crew_ids(v: Validator, ds: Dataset) -> list[int] | None:
    """Leap takes labor crews (`labour_ids[]`) and subs (`sub_contractor_ids[]`) from one table."""
    subs = v.int_list("sub_contractor_ids", among=ds.sub_contractors)
    labour = v.int_list("labour_ids", among=ds.sub_contractors)
    if subs is None and labour is None:
        return None
    return list(dict.fromkeys([*(subs or []), *(labour or [])]))


def _insurance_details(v: Validator) -> dict[str, Any] | None:
    details = v.child("insurance_details")
    if details is None:
        return None
    names = ("insurance_company", "insurance_number", "policy_number", "claim_number", "adjuster_name",
             "adjuster_phone", "adjuster_email", "date_of_loss", "acv", "rcv", "deductable_amount",
             "depreciation", "supplement", "net_claim", "upgrade", "total")  # fmt: skip
    return {name: details.text(name) for name in names}


def create_job_record(ds: Dataset, customer_id: int, fields: dict[str, Any]) -> Job:
    """Store a new job in the first workflow stage, as Leap does for every new job."""
    now = company_now()
    customer = ds.customers[customer_id]
    trade_name = ds.trades[fields["trade_ids"][0]].name
    default_name = f"{customer.company_name if customer.is_commercial else customer.last_name} - {trade_name}"
    job = Job(
        id=ds.next_id("job"),
        customer_id=customer_id,
        number=ds.new_job_number(customer_id, now),
        name=fields.pop("name", None) or default_name,
        stage_code=ds.first_stage.code,
        stage_last_modified=now,
        created_at=now,
        updated_at=now,
        created_by=API_USER.id,
        **fields,
    )
    if not job.rep_ids and customer.rep_id is not None:
        job.rep_ids = [customer.rep_id]
    ds.jobs[job.id] = job
    ds.emit("jobs", "create", job.id)
    return job


@router.put(
    "/jobs/{job_id:int}/archive", summary="Archive a job (proposed, invented)", tags=["jobs (proposed)"]
)
async def archive_job(job_id: int, ds: Data) -> dict[str, Any]:
    job = live_job(ds, job_id)
    job.archived = job.updated_at = company_now()
    return ok(message="Job archived successfully.", data=presenters.job(ds, job))


@router.put(
    "/jobs/{job_id:int}/unarchive",
    summary="Restore an archived job (proposed, invented)",
    tags=["jobs (proposed)"],
)
async def unarchive_job(job_id: int, ds: Data) -> dict[str, Any]:
    job = ds.find(ds.jobs, job_id, "Job")
    if job.archived is None:
        raise BusinessRuleError("This job is not archived.")
    job.archived, job.updated_at = None, company_now()
    return ok(message="Job unarchived successfully.", data=presenters.job(ds, job))
