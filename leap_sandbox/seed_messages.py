"""Seeded conversations with homeowners: proposal emails and replies, inbound questions, text threads
(and numbers that opted out of texts)."""

from __future__ import annotations

from datetime import datetime, timedelta

from leap_sandbox import seed_text as text
from leap_sandbox.models import (
    Customer,
    Email,
    Job,
    SmsMessage,
    SmsThread,
)
from leap_sandbox.seed_base import SeedBase
from leap_sandbox.seed_company import (
    COMPANY_EMAIL,
    SALES_REP_IDS,
    stage_named,
)


class Conversations(SeedBase):
    def add_emails(self) -> None:
        proposal_sent = stage_named(self.ds, "Proposal Sent").code
        for job in self.ds.jobs.values():
            customer = self.ds.customers[job.customer_id]
            if job.stage_code != proposal_sent or job.archived or customer.email is None:
                continue
            sent = self._email(
                customer, job, "Your proposal from Demo Roofing",
                f"<p>Hi {self.first_name_of(customer)},</p><p>Attached is your proposal. "
                "Call me with any questions.</p>", job.stage_last_modified, outbound=True,
            )  # fmt: skip
            if self.rng.random() < 0.5:
                reply_at = self.between(sent.created_at, self.yesterday_evening)
                subject, content = text.INBOUND_EMAILS[3]
                reply = self._email(customer, job, subject, content, reply_at, outbound=False)
                reply.thread_id, reply.reply_to, reply.is_read = sent.thread_id, sent.id, 0
        emailers = [c for c in self.ds.customers.values() if c.email]
        for customer, (subject, content) in zip(
            self.rng.sample(emailers, 3), text.INBOUND_EMAILS[:3], strict=True
        ):
            their_job = next((j for j in self.ds.jobs.values() if j.customer_id == customer.id), None)
            received = self.days_ago_at(self.rng.randint(1, 6), self.rng.randint(7, 19))
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

    def add_texts(self) -> None:
        texting = self.rng.sample(list(self.ds.customers.values()), 12)
        for customer in texting[:2]:
            self.ds.sms_opted_out.add(customer.phones[0].number)
        for customer in texting[2:]:
            number = customer.phones[0].number
            thread_id = self.ds.next_id("sms_thread")
            self.ds.sms_threads[thread_id] = SmsThread(thread_id, number, customer.id)
            job = next((j for j in self.ds.jobs.values() if j.customer_id == customer.id), None)
            # Up to three replies follow, each within 21 hours: starting three days back, a
            # thread ends by last night, whatever the time of day the demo is opened.
            moment = self.days_ago_at(self.rng.randint(3, 13), 9)
            for turn in range(self.rng.randint(2, 4)):
                outbound = turn % 2 == 0
                body = (
                    self.rng.choice(text.OUTBOUND_TEXTS).format(customer=self.first_name_of(customer))
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
