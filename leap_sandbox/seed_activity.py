"""What happens on each seeded job as it moves through the workflow: notes (with mentions),
appointments, money, paperwork, the production schedule and tasks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from leap_sandbox import seed_text as text
from leap_sandbox.mentions import mention, mentioned_user_ids
from leap_sandbox.models import (
    Appointment,
    Customer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Job,
    JobDocument,
    Note,
    Payment,
    Schedule,
    Task,
    Worksheet,
)
from leap_sandbox.seed_base import SeedBase, work_hours
from leap_sandbox.seed_company import (
    CREW_LEAD_IDS,
    OFFICE_MANAGER_ID,
    RESULT_FOLLOW_UP,
    RESULT_PRESENTED,
    RESULT_SOLD,
    stage_named,
)


class JobActivity(SeedBase):
    def add_notes(self, job: Job) -> None:
        ds, rng = self.ds, self.rng
        customer = ds.customers[job.customer_id]
        current = ds.stage(job.stage_code)
        assert current is not None
        for position in range(1, current.position + 1):
            stage = self.stage_at(position)
            if position < current.position and rng.random() < 0.4:
                continue
            template = rng.choice(text.STAGE_NOTES[stage.name])
            body = template.format(
                customer=self.first_name_of(customer),
                rep=mention(job.rep_ids[0]),
                office=mention(OFFICE_MANAGER_ID),
            )
            if position == current.position:
                written = self.between(job.stage_last_modified, self.yesterday_evening)
            else:
                share = position / current.position
                written = work_hours(job.created_at + (job.stage_last_modified - job.created_at) * share)
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

    def add_appointments(self, job: Job) -> None:
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
            inspected = self.working_day(job.created_at.date() + timedelta(days=self.rng.randint(1, 4)))
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
        start = self.at(day, self.rng.randint(8, 16), self.rng.choice((0, 30)))
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

    def add_team_meeting(self) -> None:
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

    def add_money(self, job: Job) -> None:
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
            job.change_order_amount = self.money(450, 1800)
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

    def add_documents(self, job: Job) -> None:
        """The paper trail a job collects: measurements and photos, estimate and proposal, then
        the production paperwork; each with the worksheet behind it where Leap has one."""
        stage = self.ds.stage(job.stage_code)
        assert stage is not None
        if stage.position < stage_named(self.ds, "Estimate Prepared").position:
            return
        work = self.ds.work_types[job.work_type_ids[0]].name
        measured = self.between(job.created_at, job.stage_last_modified)
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

    def add_schedule(self, job: Job) -> None:
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
        start = self.at(first_day, 7)
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

    def add_tasks(self, job: Job) -> None:
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
