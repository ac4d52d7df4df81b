"""Deterministic "Demo Roofing" data: the same seed on the same day gives byte-identical data.

Dates are laid out relative to `today` so the demo always has appointments this week, jobs that
moved recently and invoices that are due. Only `random.Random(seed)` decides anything random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from crm_leap.sandbox import seed_text as text
from crm_leap.sandbox.dataset import Dataset
from crm_leap.sandbox.geography import COLORADO_ID
from crm_leap.sandbox.mentions import mention, mentioned_user_ids
from crm_leap.sandbox.models import (
    Address,
    Appointment,
    Customer,
    DocumentKind,
    Email,
    Invoice,
    InvoiceLine,
    Job,
    JobDocument,
    Note,
    Payment,
    Phone,
    Schedule,
    SmsMessage,
    SmsThread,
    Stage,
    Task,
    Worksheet,
)
from crm_leap.sandbox.seed_company import (
    COMMERCIAL,
    COMPANY_EMAIL,
    CREW_LEAD_IDS,
    ESTIMATOR_IDS,
    GUTTERS,
    INSURANCE_RESTORATION,
    OFFICE_MANAGER_ID,
    RESIDENTIAL,
    RESULT_FOLLOW_UP,
    RESULT_PRESENTED,
    RESULT_SOLD,
    ROOFING,
    SALES_REP_IDS,
    SIDING,
    add_company_configuration,
    stage_named,
)

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


def _work_hours(moment: datetime) -> datetime:
    """Move a computed moment into office hours (7:00-18:59) on the same day; people work then."""
    moment = moment.replace(microsecond=0)
    return moment if 7 <= moment.hour < 19 else moment.replace(hour=7 + moment.hour % 12)


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


class _DemoBuilder:
    """Lays out one company's history; each method adds one kind of record on top of the jobs."""

    def __init__(self, ds: Dataset, rng: random.Random, today: date) -> None:
        self.ds = ds
        self.rng = rng
        self.today = today
        self.yesterday_evening = datetime.combine(today - timedelta(days=1), time(18, 0))
        self.awarded_position = ds.awarded_stage.position
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
            self._add_notes(job)
            self._add_appointments(job)
            self._add_money(job)
            self._add_documents(job)
            self._add_schedule(job)
            self._add_tasks(job)
        self._add_team_meeting()
        self._add_emails()
        self._add_texts()

    # -- helpers ------------------------------------------------------------------------------------

    def _between(self, start: datetime, end: datetime) -> datetime:
        """A random office-hours moment in [start, end] (the bounds win when office hours cannot)."""
        if end <= start:
            return start
        return min(max(_work_hours(start + (end - start) * self.rng.random()), start), end)

    def _working_day(self, day: date) -> date:
        return day + timedelta(days=1) if day.weekday() == 6 else day

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self._working_day(day), time(hour, minute))

    def _money(self, low: float, high: float) -> float:
        return float(round(self.rng.uniform(low, high) / 5) * 5)

    def _stage_at(self, position: int) -> Stage:
        return self.ds.stages[position - 1]

    def _customer_first_name(self, customer: Customer) -> str:
        return customer.first_name or customer.company_name or "the customer"

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
                first_job = self._at(self.today - timedelta(days=self.rng.randint(3, 200)), 11)
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
            stage_changed = _work_hours(plan.created_at + (self.yesterday_evening - plan.created_at) * share)
        awarded_on = None
        if position == self.awarded_position:
            awarded_on = stage_changed.date()
        elif position > self.awarded_position:
            awarded_on = self._between(plan.created_at, stage_changed).date()
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
            price=self._money(low, high) if priced else 0.0,
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
                job.archived = self._between(job.stage_last_modified, self.yesterday_evening)

    # -- activity on each job ------------------------------------------------------------------------

    def _add_notes(self, job: Job) -> None:
        ds, rng = self.ds, self.rng
        customer = ds.customers[job.customer_id]
        current = ds.stage(job.stage_code)
        assert current is not None
        for position in range(1, current.position + 1):
            stage = self._stage_at(position)
            if position < current.position and rng.random() < 0.4:
                continue
            template = rng.choice(text.STAGE_NOTES[stage.name])
            body = template.format(
                customer=self._customer_first_name(customer),
                rep=mention(job.rep_ids[0]),
                office=mention(OFFICE_MANAGER_ID),
            )
            if position == current.position:
                written = self._between(job.stage_last_modified, self.yesterday_evening)
            else:
                share = position / current.position
                written = _work_hours(job.created_at + (job.stage_last_modified - job.created_at) * share)
            note_id = ds.next_id("note")
            author = rng.choice([*job.rep_ids, *job.estimator_ids, OFFICE_MANAGER_ID])
            ds.notes[note_id] = Note(
                id=note_id,
                job_id=job.id,
                note=body,
                stage_code=stage.code,
                created_by=author,
                created_at=written,
                updated_at=written,
                mention_ids=mentioned_user_ids(body),
            )

    def _add_appointments(self, job: Job) -> None:
        stage = self.ds.stage(job.stage_code)
        assert stage is not None
        customer = self.ds.customers[job.customer_id]
        rep = job.rep_ids[0]
        if job.archived:
            return
        if stage.name == "Inspection Scheduled":
            day = self.today + timedelta(days=self.rng.randint(0, 7))
            self._appointment(job, customer, f"Roof inspection - {customer.full_name}", day, rep)
        elif stage.name == "Lead" and self.rng.random() < 0.5:
            day = self.today + timedelta(days=self.rng.randint(1, 10))
            self._appointment(job, customer, f"Initial consultation - {customer.full_name}", day, rep)
        elif stage.position >= stage_named(self.ds, "Estimate Prepared").position:
            inspected = self._working_day(job.created_at.date() + timedelta(days=self.rng.randint(1, 4)))
            if inspected < self.today:
                result = (
                    RESULT_SOLD
                    if self.ds.is_awarded(job)
                    else self.rng.choice((RESULT_PRESENTED, RESULT_FOLLOW_UP))
                )
                self._appointment(
                    job, customer, f"Roof inspection - {customer.full_name}", inspected, rep, result
                )
            if stage.name == "Proposal Sent" and self.rng.random() < 0.5:
                day = self.today + timedelta(days=self.rng.randint(0, 6))
                self._appointment(job, customer, f"Proposal review - {customer.full_name}", day, rep)

    def _appointment(
        self,
        job: Job,
        customer: Customer,
        title: str,
        day: date,
        user_id: int,
        result_option: int | None = None,
    ) -> None:
        start = self._at(day, self.rng.randint(8, 16), self.rng.choice((0, 30)))
        where = job.address or customer.address
        appointment_id = self.ds.next_id("appointment")
        created = min(job.created_at + timedelta(hours=2), start)
        self.ds.appointments[appointment_id] = Appointment(
            id=appointment_id,
            title=title,
            start=start,
            end=start + timedelta(hours=1),
            created_by=job.rep_ids[0],
            created_at=created,
            updated_at=created,
            description=job.description,
            location=f"{where.address}, {where.city}, CO {where.zip}" if where else None,
            location_type="job",
            customer_id=customer.id,
            user_id=user_id,
            job_ids=[job.id],
            reminders=[{"type": "email", "minutes": 60}],
            is_completed=int(result_option is not None),
            result_option_id=result_option,
            result=[{"name": "Notes", "type": "text", "value": "Met with homeowner."}]
            if result_option
            else [],
        )

    def _add_team_meeting(self) -> None:
        """An internal appointment with attendees and no customer, so not every event is a job visit."""
        monday = self.today + timedelta(days=(7 - self.today.weekday()) % 7 or 7)
        start = datetime.combine(monday, time(8, 0))
        appointment_id = self.ds.next_id("appointment")
        self.ds.appointments[appointment_id] = Appointment(
            id=appointment_id,
            title="Weekly sales meeting",
            start=start,
            end=start + timedelta(hours=1),
            created_by=self.ds.users[12].id,
            created_at=self.yesterday_evening,
            updated_at=self.yesterday_evening,
            location="Demo Roofing office, 4550 Brighton Blvd, Denver",
            location_type="other",
            user_id=12,
            attendee_ids=[14, 15, 16],
        )

    def _add_money(self, job: Job) -> None:
        """Deposit on signing, final invoice at the Invoiced stage, paid off when closed."""
        if not self.ds.is_awarded(job) or job.awarded_date is None:
            return
        stage = self.ds.stage(job.stage_code)
        assert stage is not None
        invoiced_position = stage_named(self.ds, "Invoiced").position
        tore_off_roof = job.work_type_ids[0] in (101, 103)
        if (
            tore_off_roof
            and stage.position >= stage_named(self.ds, "In Production").position
            and self.rng.random() < 0.4
        ):
            job.change_order_amount = self._money(450, 1800)
        deposit = float(round(job.price / 3))
        signed = datetime.combine(job.awarded_date, time(15, 0))
        deposit_invoice = self._invoice(
            job, "Deposit", [InvoiceLine("Deposit - one third of contract", 1, deposit)], signed
        )
        if stage.position > self.awarded_position or self.rng.random() < 0.5:
            self._payment(job, deposit_invoice, signed + timedelta(days=self.rng.randint(0, 3)))
        if stage.position < invoiced_position:
            return
        work = self.ds.work_types[job.work_type_ids[0]].name
        lines = [InvoiceLine(f"{work} - balance", 1, job.price - deposit)]
        if job.change_order_amount:
            lines.append(InvoiceLine("Change order: replace damaged decking", 1, job.change_order_amount))
        closed = stage.name == "Paid & Closed"
        billed = job.stage_last_modified if not closed else job.stage_last_modified - timedelta(days=10)
        final_invoice = self._invoice(job, "Final invoice", lines, billed)
        if closed:
            self._payment(job, final_invoice, job.stage_last_modified)

    def _invoice(self, job: Job, title: str, lines: list[InvoiceLine], issued: datetime) -> Invoice:
        invoice_id = self.ds.next_id("invoice")
        invoice = Invoice(
            id=invoice_id,
            job_id=job.id,
            customer_id=job.customer_id,
            invoice_number=f"INV-{invoice_id}",
            title=title,
            lines=lines,
            tax_rate=0.0,
            issued_on=issued.date(),
            due_date=issued.date() + timedelta(days=14),
            open_balance=0.0,
            created_at=issued,
        )
        invoice.open_balance = invoice.total_amount
        self.ds.invoices[invoice_id] = invoice
        return invoice

    def _payment(self, job: Job, invoice: Invoice, paid: datetime) -> None:
        """A payment settling one invoice in full."""
        payment_id = self.ds.next_id("payment")
        method = self.rng.choice(("check", "check", "credit_card", "echeque"))
        amount, invoice.open_balance = invoice.open_balance, 0.0
        self.ds.payments[payment_id] = Payment(
            id=payment_id,
            job_id=job.id,
            customer_id=job.customer_id,
            method=method,
            amount=amount,
            serial_number=str(payment_id - 6000),
            paid_on=paid.date(),
            created_at=paid,
            echeque_number=f"{self.rng.randint(1000, 9999)}" if method == "check" else None,
            applied={invoice.id: amount},
        )

    def _add_documents(self, job: Job) -> None:
        """The paper trail a job collects: measurements and photos, estimate and proposal, then
        the production paperwork; each with the worksheet behind it where Leap has one."""
        stage = self.ds.stage(job.stage_code)
        assert stage is not None
        if stage.position < stage_named(self.ds, "Estimate Prepared").position:
            return
        work = self.ds.work_types[job.work_type_ids[0]].name
        measured = self._between(job.created_at, job.stage_last_modified)
        self._document(job, "measurement", "EagleView Premium Report", "eagleview-report.pdf", measured)
        for number in range(1, self.rng.randint(2, 4) + 1):
            self._document(job, "photo", f"Inspection photo {number}", f"inspection-{number}.jpg", measured)
        drafted = measured + timedelta(hours=2)
        estimate = self._document(job, "estimate", f"Estimate - {work}", "estimate.pdf", drafted)
        estimate.total_amount = round(job.price * 0.97, 2)
        self._worksheet(job, "estimate", f"Estimate - {work}", estimate.total_amount, drafted)
        if job.archived:
            status = "rejected"
        elif self.ds.is_awarded(job):
            status = "accepted"
        elif stage.name == "Proposal Sent":
            status = self.rng.choice(("sent", "viewed"))
        else:
            status = "draft"
        proposal = self._document(
            job, "proposal", f"{work} Proposal", "proposal.pdf", drafted + timedelta(hours=1)
        )
        proposal.total_amount, proposal.status = job.price, status
        proposal.is_digital_signed = int(status == "accepted")
        self._worksheet(job, "proposal", f"{work} Proposal", job.price, drafted + timedelta(hours=1))
        if job.awarded_date is None:
            return
        signed = datetime.combine(job.awarded_date, time(16, 30))
        self._worksheet(job, "selling_price", "Selling price", job.price, signed)
        self._worksheet(job, "profit_loss", "Profit & loss", round(job.price * 0.38, 2), signed)
        if stage.position > self.awarded_position:
            self._document(job, "material", "Material list - ABC Supply", "material-list.pdf", signed)
            self._document(job, "work_order", f"Work order - {work}", "work-order.pdf", signed)
            self._worksheet(job, "material_list", "Material list", round(job.price * 0.42, 2), signed)
            self._worksheet(job, "work_order", "Work order", round(job.price * 0.2, 2), signed)

    def _document(
        self, job: Job, kind: DocumentKind, title: str, file_name: str, created: datetime
    ) -> JobDocument:
        document_id = self.ds.next_id("document")
        numbered = kind in ("estimate", "proposal", "work_order")
        document = JobDocument(
            id=document_id,
            kind=kind,
            job_id=job.id,
            title=title,
            file_name=file_name,
            created_at=created,
            updated_at=created,
            serial_number=f"{document_id - 2000:04d}" if numbered else None,
        )
        self.ds.documents[document_id] = document
        return document

    def _worksheet(self, job: Job, kind: str, name: str, total: float, created: datetime) -> None:
        worksheet_id = self.ds.next_id("worksheet")
        self.ds.worksheets[worksheet_id] = Worksheet(
            id=worksheet_id,
            job_id=job.id,
            type=kind,
            name=name,
            total=total,
            line_count=self.rng.randint(4, 18),
            created_at=created,
            updated_at=created,
        )

    def _add_schedule(self, job: Job) -> None:
        stage = self.ds.stage(job.stage_code)
        assert stage is not None
        if stage.position <= self.awarded_position:
            return
        days = 1 if job.price < 5000 else 2 if job.price < 20000 else 3
        if stage.name == "Materials Ordered":
            first_day = self.today + timedelta(days=self.rng.randint(3, 14))
        elif stage.name == "In Production":
            first_day = self.today - timedelta(days=self.rng.randint(0, days - 1))
        else:
            first_day = job.stage_last_modified.date() - timedelta(days=days + 2)
        start = self._at(first_day, 7)
        schedule_id = self.ds.next_id("schedule")
        customer = self.ds.customers[job.customer_id]
        self.ds.schedules[schedule_id] = Schedule(
            id=schedule_id,
            title=f"{self.ds.work_types[job.work_type_ids[0]].name} - {customer.full_name}",
            job_id=job.id,
            customer_id=job.customer_id,
            start=start,
            end=start + timedelta(days=days - 1, hours=10),
            created_at=datetime.combine(job.awarded_date or job.created_at.date(), time(16, 0)),
            updated_at=datetime.combine(job.awarded_date or job.created_at.date(), time(16, 0)),
            description=job.description,
            is_completed=int(stage.position > stage_named(self.ds, "In Production").position),
            rep_ids=[CREW_LEAD_IDS[job.id % 2]],
            sub_contractor_ids=list(job.sub_contractor_ids),
            trade_ids=list(job.trade_ids),
        )

    def _add_tasks(self, job: Job) -> None:
        stage = self.ds.stage(job.stage_code)
        assert stage is not None
        if job.archived:
            return
        if stage.name == "Proposal Sent":
            self._task(
                job,
                "Follow up on proposal",
                [job.rep_ids[0]],
                self.today + timedelta(days=self.rng.randint(1, 5)),
            )
        elif stage.name == "Materials Ordered":
            # One stage-locked task in the demo, so the "finish the task first" refusal can be shown.
            lock = None if any(task.locked for task in self.ds.tasks.values()) else stage.code
            due = self.today + timedelta(days=1)
            self._task(job, "Confirm material delivery with ABC Supply", [OFFICE_MANAGER_ID], due, lock)
        elif stage.name == "Estimate Prepared" and job.insurance:
            self._task(job, "Call adjuster about the supplement", [job.rep_ids[0]], self.today)
        elif stage.name == "Paid & Closed" and self.rng.random() < 0.3:
            task = self._task(
                job, "Send warranty paperwork", [OFFICE_MANAGER_ID], job.stage_last_modified.date()
            )
            task.completed = job.stage_last_modified + timedelta(days=1)
            task.completed_by = OFFICE_MANAGER_ID

    def _task(
        self, job: Job, title: str, user_ids: list[int], due: date, locked_stage: str | None = None
    ) -> Task:
        task_id = self.ds.next_id("task")
        created = job.stage_last_modified
        task = Task(
            id=task_id,
            title=title,
            user_ids=user_ids,
            created_by=job.rep_ids[0],
            created_at=created,
            updated_at=created,
            job_id=job.id,
            due_date=due,
            stage_code=locked_stage,
            locked=int(locked_stage is not None),
        )
        self.ds.tasks[task_id] = task
        return task

    # -- conversations ------------------------------------------------------------------------------

    def _add_emails(self) -> None:
        proposal_sent = stage_named(self.ds, "Proposal Sent").code
        for job in self.ds.jobs.values():
            customer = self.ds.customers[job.customer_id]
            if job.stage_code != proposal_sent or job.archived or customer.email is None:
                continue
            sent = self._email(
                customer, job, "Your proposal from Demo Roofing",
                f"<p>Hi {self._customer_first_name(customer)},</p><p>Attached is your proposal. "
                "Call me with any questions.</p>", job.stage_last_modified, outbound=True,
            )  # fmt: skip
            if self.rng.random() < 0.5:
                reply_at = self._between(sent.created_at, self.yesterday_evening)
                subject, content = text.INBOUND_EMAILS[3]
                reply = self._email(customer, job, subject, content, reply_at, outbound=False)
                reply.thread_id, reply.reply_to, reply.is_read = sent.thread_id, sent.id, 0
        emailers = [c for c in self.ds.customers.values() if c.email]
        for customer, (subject, content) in zip(
            self.rng.sample(emailers, 3), text.INBOUND_EMAILS[:3], strict=True
        ):
            their_job = next((j for j in self.ds.jobs.values() if j.customer_id == customer.id), None)
            received = self._at(self.today - timedelta(days=self.rng.randint(1, 6)), self.rng.randint(7, 19))
            self._email(customer, their_job, subject, content, received, outbound=False).is_read = int(
                self.rng.random() < 0.5
            )

    def _email(
        self, customer: Customer, job: Job | None, subject: str, content: str, at: datetime, *, outbound: bool
    ) -> Email:
        assert customer.email is not None
        email_id = self.ds.next_id("email")
        rep = self.ds.users[customer.rep_id or SALES_REP_IDS[0]]
        email = Email(
            id=email_id,
            subject=subject,
            content=content,
            sender=rep.email if outbound else customer.email,
            to=[customer.email] if outbound else [COMPANY_EMAIL],
            thread_id=f"thread-{email_id}",
            status="sent" if outbound else "received",
            created_at=at,
            customer_id=customer.id,
            job_ids=[job.id] if job else [],
            created_by=rep.id if outbound else None,
        )
        self.ds.emails[email_id] = email
        return email

    def _add_texts(self) -> None:
        texting = self.rng.sample(list(self.ds.customers.values()), 12)
        for customer in texting[:2]:
            self.ds.sms_opted_out.add(customer.phones[0].number)
        for customer in texting[2:]:
            number = customer.phones[0].number
            thread_id = self.ds.next_id("sms_thread")
            self.ds.sms_threads[thread_id] = SmsThread(thread_id, number, customer.id)
            job = next((j for j in self.ds.jobs.values() if j.customer_id == customer.id), None)
            moment = self._at(self.today - timedelta(days=self.rng.randint(2, 12)), 9)
            for turn in range(self.rng.randint(2, 4)):
                outbound = turn % 2 == 0
                body = (
                    self.rng.choice(text.OUTBOUND_TEXTS).format(customer=self._customer_first_name(customer))
                    if outbound
                    else self.rng.choice(text.INBOUND_TEXTS)
                )
                message_id = self.ds.next_id("sms_message")
                self.ds.sms_messages[message_id] = SmsMessage(
                    id=message_id,
                    thread_id=thread_id,
                    content=body,
                    phone_number=number,
                    direction="outbound" if outbound else "inbound",
                    created_at=moment,
                    customer_id=customer.id,
                    job_id=job.id if job else None,
                    sender_id=customer.rep_id if outbound else None,
                )
                moment += timedelta(hours=self.rng.randint(1, 20), minutes=self.rng.randint(0, 59))
