"""Deterministic "Demo Roofing" data: the same seed on the same day gives byte-identical data.

Dates are laid out relative to `today` so the demo always has appointments this week, jobs that
moved recently and invoices that are due. Only `random.Random(seed)` decides anything random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from leap_sandbox import seed_text as text
from leap_sandbox.dataset import Dataset
from leap_sandbox.geography import COLORADO_ID
from leap_sandbox.models import (
    Address,
    Customer,
    Job,
    Phone,
    Stage,
)
from leap_sandbox.seed_activity import JobActivity
from leap_sandbox.seed_base import work_hours
from leap_sandbox.seed_company import (
    COMMERCIAL,
    ESTIMATOR_IDS,
    GUTTERS,
    INSURANCE_RESTORATION,
    RESIDENTIAL,
    ROOFING,
    SALES_REP_IDS,
    SIDING,
    add_company_configuration,
    stage_named,
)
from leap_sandbox.seed_messages import Conversations

CUSTOMER_COUNT = 50
JOB_COUNT = 80
ARCHIVED_JOB_COUNT = 5
CUSTOMERS_WITHOUT_JOBS = 2

# How many jobs of each stage a typical pipeline holds, and how old such jobs are (days).
_STAGE_PROFILE = {
    "Lead": (12, 1, 14),
    "Inspection Scheduled": (8, 2, 20),
    "Estimate Prepared": (8, 5, 30),
    "Proposal Sent": (10, 8, 45),
    "Contract Signed": (7, 15, 60),
    "Materials Ordered": (6, 20, 70),
    "In Production": (6, 25, 80),
    "Final Inspection": (4, 35, 100),
    "Invoiced": (6, 40, 120),
    "Paid & Closed": (13, 60, 365),
}

# Primary work type -> (how common, contract price range in dollars).
_WORK_PROFILE = {
    101: (30, 9_500, 28_000),
    102: (10, 450, 2_400),
    103: (4, 14_000, 32_000),
    104: (2, 8_000, 19_000),
    105: (6, 11_000, 26_000),
    106: (5, 18_000, 42_000),
    107: (8, 1_600, 4_200),
    108: (4, 900, 2_600),
    109: (6, 7_000, 21_000),
    110: (3, 4_500, 11_000),
    111: (2, 1_800, 3_900),
}

# Leap ids are large company-wide sequences; distinct ranges also make a mixed-up id fail loudly.
_FIRST_IDS = {
    "customer": 881,
    "job": 5001,
    "note": 70001,
    "appointment": 9101,
    "invoice": 4401,
    "payment": 6601,
    "document": 2201,
    "worksheet": 7701,
    "schedule": 3301,
    "task": 8801,
    "email": 12001,
    "sms_thread": 501,
    "sms_message": 15001,
    "phone": 20001,
    "address": 30001,
    "notification": 1,
}


def build_demo_company(seed: int, today: date) -> Dataset:
    ds = Dataset()
    add_company_configuration(ds)
    _DemoBuilder(ds, random.Random(seed), today).build()
    return ds


@dataclass(slots=True)
class _JobPlan:
    customer: Customer
    stage: Stage
    created_at: datetime


class _DemoBuilder(JobActivity, Conversations):
    """Lays out one company's history: customers and their jobs here, then what happens on each job
    (`JobActivity`) and the conversations around them (`Conversations`)."""

    def __init__(self, ds: Dataset, rng: random.Random, today: date) -> None:
        super().__init__(ds, rng, today)
        for kind, first in _FIRST_IDS.items():
            ds.start_ids(kind, first)

    def build(self) -> None:
        customers = self._customers()
        plans = self._plan_jobs(customers)
        self._date_customers(customers, plans)
        for customer in sorted(customers, key=lambda c: c.created_at):
            customer.id = self.ds.next_id("customer")
            self.ds.customers[customer.id] = customer
        for plan in sorted(plans, key=lambda p: p.created_at):
            self._add_job(plan)
        self._archive_lost_jobs()
        for job in list(self.ds.jobs.values()):
            self.add_notes(job)
            self.add_appointments(job)
            self.add_money(job)
            self.add_documents(job)
            self.add_schedule(job)
            self.add_tasks(job)
        self.add_team_meeting()
        self.add_emails()
        self.add_texts()

    # -- customers ----------------------------------------------------------------------------------

    def _customers(self) -> list[Customer]:
        rng = self.rng
        last_names = rng.sample(text.LAST_NAMES, CUSTOMER_COUNT)
        numbers = rng.sample(range(100), CUSTOMER_COUNT * 2)
        commercial_slots = dict(
            zip(rng.sample(range(CUSTOMER_COUNT), 3), text.COMMERCIAL_CUSTOMERS, strict=True)
        )
        customers = []
        for index, last_name in enumerate(last_names):
            first_name = rng.choice(text.FIRST_NAMES)
            company = commercial_slots.get(index)
            if company is not None:
                _, first_name, last_name = company
            phones = [self._phone("cell", numbers[2 * index], is_primary=1)]
            if rng.random() < 0.3:
                phones.append(self._phone("home", numbers[2 * index + 1]))
            email = None
            if rng.random() < 0.85:
                email = f"{first_name.lower()}.{last_name.lower()}@{rng.choice(text.EMAIL_DOMAINS)}"
            referral_type = rng.choice(("website", "referral", "referral", "customer", "other"))
            customers.append(
                Customer(
                    id=0,
                    first_name=first_name,
                    last_name=last_name,
                    email=email,
                    phones=phones,
                    address=self._address(),
                    created_at=self.yesterday_evening,
                    updated_at=self.yesterday_evening,
                    company_name=company[0] if company else None,
                    is_commercial=int(company is not None),
                    referred_by_type=referral_type,
                    referred_by_id=rng.choice(list(self.ds.referrals))
                    if referral_type == "referral"
                    else None,
                    rep_id=rng.choice(SALES_REP_IDS),
                )
            )
        return customers

    def _phone(self, label: str, slot: int, is_primary: int = 0) -> Phone:
        area = ("303", "720")[slot % 2]
        return Phone(self.ds.next_id("phone"), label, f"{area}55501{slot:02d}", None, is_primary)

    def _address(self) -> Address:
        city, zips, lat, long = self.rng.choice(text.CITIES)
        return Address(
            id=self.ds.next_id("address"),
            address=f"{self.rng.randint(100, 19999)} {self.rng.choice(text.STREETS)}",
            city=city,
            state_id=COLORADO_ID,
            zip=self.rng.choice(zips),
            lat=round(lat + self.rng.uniform(-0.03, 0.03), 6),
            long=round(long + self.rng.uniform(-0.03, 0.03), 6),
        )

    # -- jobs ---------------------------------------------------------------------------------------

    def _plan_jobs(self, customers: list[Customer]) -> list[_JobPlan]:
        """Every stage gets jobs first, then the rest follow a typical pipeline's shape."""
        names = list(_STAGE_PROFILE)
        weights = [profile[0] for profile in _STAGE_PROFILE.values()]
        stage_names = names * 3 + self.rng.choices(names, weights, k=JOB_COUNT - 3 * len(names))
        with_jobs = customers[: CUSTOMER_COUNT - CUSTOMERS_WITHOUT_JOBS]
        owners = with_jobs + self.rng.choices(with_jobs, k=JOB_COUNT - len(with_jobs))
        self.rng.shuffle(owners)
        plans = []
        for owner, stage_name in zip(owners, stage_names, strict=True):
            _, youngest, oldest = _STAGE_PROFILE[stage_name]
            day = self.today - timedelta(days=self.rng.randint(youngest, oldest))
            created = datetime.combine(day, time(self.rng.randint(8, 17), self.rng.randrange(0, 60, 5)))
            plans.append(_JobPlan(owner, stage_named(self.ds, stage_name), created))
        return plans

    def _date_customers(self, customers: list[Customer], plans: list[_JobPlan]) -> None:
        for customer in customers:
            first_job = min((p.created_at for p in plans if p.customer is customer), default=None)
            if first_job is None:
                first_job = self.at(self.today - timedelta(days=self.rng.randint(3, 200)), 11)
            customer.created_at = first_job - timedelta(minutes=self.rng.randint(5, 90))
            customer.updated_at = customer.created_at

    def _add_job(self, plan: _JobPlan) -> None:
        rng, ds, customer = self.rng, self.ds, plan.customer
        work_types = list(_WORK_PROFILE)
        work_type = rng.choices(work_types, [_WORK_PROFILE[w][0] for w in work_types])[0]
        trade_id = ds.work_types[work_type].trade_id
        trade_ids = [trade_id, GUTTERS] if trade_id == ROOFING and rng.random() < 0.3 else [trade_id]
        insured = trade_id in (ROOFING, SIDING) and rng.random() < 0.45 and not customer.is_commercial
        position = plan.stage.position
        stage_changed = plan.created_at
        if position > 1:
            share = rng.uniform(0.5, 0.95)
            stage_changed = work_hours(plan.created_at + (self.yesterday_evening - plan.created_at) * share)
        awarded_on = None
        if position == self.awarded_position:
            awarded_on = stage_changed.date()
        elif position > self.awarded_position:
            awarded_on = self.between(plan.created_at, stage_changed).date()
        _, low, high = _WORK_PROFILE[work_type]
        priced = position >= stage_named(ds, "Estimate Prepared").position
        rep_id = customer.rep_id or SALES_REP_IDS[0]
        if customer.is_commercial:
            division_id = COMMERCIAL
        else:
            division_id = INSURANCE_RESTORATION if insured else RESIDENTIAL
        crews = [
            s.id for s in ds.sub_contractors.values() if s.is_active and set(s.trade_ids) & set(trade_ids)
        ]
        job_id = ds.next_id("job")
        ds.jobs[job_id] = Job(
            id=job_id,
            customer_id=customer.id,
            number=ds.new_job_number(customer.id, plan.created_at),
            name=f"{customer.company_name or customer.last_name} - {ds.work_types[work_type].name}",
            description=rng.choice(text.JOB_DESCRIPTIONS[work_type]),
            trade_ids=trade_ids,
            stage_code=plan.stage.code,
            stage_last_modified=stage_changed,
            created_at=plan.created_at,
            updated_at=stage_changed,
            created_by=rep_id,
            work_type_ids=[work_type],
            division_id=division_id,
            rep_ids=[rep_id],
            estimator_ids=[rng.choice(ESTIMATOR_IDS)] if position > 1 else [],
            sub_contractor_ids=crews if position > self.awarded_position else [],
            address=self._address() if rng.random() < 0.1 else None,
            insurance=int(insured),
            insurance_details=self._insurance(plan.created_at) if insured else None,
            awarded_date=awarded_on,
            contract_signed_date=awarded_on,
            completion_date=stage_changed.date() if plan.stage.name == "Paid & Closed" else None,
            price=self.money(low, high) if priced else 0.0,
        )

    def _insurance(self, created: datetime) -> dict[str, object]:
        rng = self.rng
        return {
            "insurance_company": rng.choice(text.INSURANCE_COMPANIES),
            "insurance_number": None,
            "policy_number": f"PL-{rng.randint(1_000_000, 9_999_999)}",
            "claim_number": f"CLM-{rng.randint(100_000, 999_999)}",
            "adjuster_name": rng.choice(text.ADJUSTERS),
            "adjuster_phone": f"80055501{rng.randint(0, 99):02d}",
            "adjuster_email": None,
            "date_of_loss": (created.date() - timedelta(days=rng.randint(5, 40))).isoformat(),
            "deductable_amount": float(rng.choice((500, 1000, 1500, 2500))),
        }

    def _archive_lost_jobs(self) -> None:
        """Some early-pipeline jobs were lost; archiving keeps every stage populated by live jobs."""
        early = {stage_named(self.ds, name).code for name in ("Lead", "Estimate Prepared", "Proposal Sent")}
        live_per_stage = {stage.code: 0 for stage in self.ds.stages}
        for job in self.ds.jobs.values():
            live_per_stage[job.stage_code] += 1
        candidates = [job for job in self.ds.jobs.values() if job.stage_code in early]
        for job in self.rng.sample(candidates, ARCHIVED_JOB_COUNT):
            if live_per_stage[job.stage_code] > 1:
                live_per_stage[job.stage_code] -= 1
                job.archived = self.between(job.stage_last_modified, self.yesterday_evening)
