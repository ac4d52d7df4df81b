"""Customers: find one however the caller describes them, read the details, add new ones and leads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from crm_leap import heard
from crm_leap.client import Address, NewCustomer, NewJob, Phone
from crm_leap.customer_names import names_of
from crm_leap.errors import NeedsCaller
from crm_leap.tools.base import Args, ReadTool, ToolContext, Undo, WriteResult, WriteTool
from crm_leap.tools.common import EmailAddress, phone_digits, quoted, spoken_phone
from crm_leap.tools.views import (
    NOTE_CHARS,
    address_line,
    compact,
    customer_brief,
    job_brief,
    person_name,
    trim,
)
from crm_leap.wire import JSON

AREA = "customers"
_MATCH_LIMIT = 5
PhoneLabel = Literal["cell", "home", "office", "phone", "fax", "other"]


class FindCustomerArgs(Args):
    query: str = Field(
        min_length=2,
        description="What the caller gave: a name ('Jane Smith', 'Smith'), a phone number in any format, "
        "or an email address.",
    )


class FindCustomer(ReadTool[FindCustomerArgs]):
    name = "find_customer"
    area = AREA
    description = (
        "Look up customers by name, phone number or email. Names are matched as they sound, so a "
        "misheard or misspelt name ('Smyth', 'Jonse', 'Klark') still finds them. Returns up to 5 "
        "matches, best first, with ids and streets; when the result has 'ask_back', put that question "
        "to the caller before going on. Use get_customer for details."
    )
    args_model = FindCustomerArgs

    async def handle(self, ctx: ToolContext, args: FindCustomerArgs) -> dict[str, Any]:
        query = args.query
        digits = phone_digits(query)
        if "@" in query:
            found = (await ctx.leap.find_customers(email=query, limit=_MATCH_LIMIT)).items
        elif len(digits) >= 7 and len(digits) >= len(query.replace(" ", "")) // 2:
            found = (await ctx.leap.find_customers(phone=digits, limit=_MATCH_LIMIT)).items
        else:
            return await self._by_name(ctx, query)
        return {
            "query": query,
            "matches": [customer_match(customer) for customer in found[:_MATCH_LIMIT]],
            "note": None if found else "No customer matches. Try another spelling, a phone number or email.",
        }

    @staticmethod
    async def _by_name(ctx: ToolContext, query: str) -> dict[str, Any]:
        """Every customer's name ranked by how it sounds and is spelt against what was heard, plus
        Leap's own search for customers beyond the cached list."""
        pool = {int(customer["id"]): customer for customer in await ctx.company.customers.all()}
        for customer in (await ctx.leap.find_customers(name=query, limit=_MATCH_LIMIT)).items:
            pool.setdefault(int(customer["id"]), customer)
        ranked = heard.rank(query, pool.values(), names_of, limit=_MATCH_LIMIT)
        close = heard.too_close(ranked)
        answer: dict[str, Any] = {
            "query": query,
            "matches": [{**customer_match(entry.item), "score": entry.score} for entry in ranked],
        }
        if close:
            answer["ask_back"] = heard.ask_back(query, [spoken_customer(customer) for customer in close])
        if not ranked:
            answer["note"] = "No customer sounds like that. Ask them to spell the last name, or for a phone."
        return answer


def customer_match(customer: JSON) -> dict[str, Any]:
    """A lookup's answer about one customer: who, how to reach them, and their street."""
    address = customer.get("address")
    street = address.get("address") if isinstance(address, Mapping) else None
    return compact({**customer_brief(customer), "street": street})


def spoken_customer(customer: JSON) -> str:
    """ "Daniel Smith on Sable Blvd": enough for the caller to tell two similar names apart."""
    name = person_name(customer) or f"customer {customer['id']}"
    address = customer.get("address")
    street = address.get("address") if isinstance(address, Mapping) else None
    return f"{name} on {_street_name(str(street))}" if street else name


def _street_name(street: str) -> str:
    """The street without its house number ("7920 Sable Blvd" -> "Sable Blvd")."""
    parts = street.split(maxsplit=1)
    return parts[1] if len(parts) == 2 and parts[0].isdigit() else street


class GetCustomerArgs(Args):
    customer_id: int = Field(description="The customer's Leap id (from find_customer).")


class GetCustomer(ReadTool[GetCustomerArgs]):
    name = "get_customer"
    area = AREA
    description = "A customer's details: phones, email, address, sales rep, notes and their jobs with stages."
    args_model = GetCustomerArgs

    async def handle(self, ctx: ToolContext, args: GetCustomerArgs) -> dict[str, Any]:
        customer = await ctx.leap.get_customer(args.customer_id)
        return compact(
            {
                **customer_brief(customer),
                "address": address_line(customer.get("address")),
                "rep": person_name(customer.get("rep")),
                "commercial": True if customer.get("is_commercial") in (1, "1", True) else None,
                "note": trim(customer.get("note"), NOTE_CHARS),
                "source": customer.get("referred_by_type"),
                "since": customer.get("created_at"),
                "jobs": [job_brief(job) for job in customer.get("jobs") or []],
            }
        )


_WHO_LEAP_NEEDS = "Leap requires a first and a last name for a person, or a company name for a business"


class CustomerFields(Args):
    first_name: str | None = Field(
        None,
        description=f"First name. {_WHO_LEAP_NEEDS}: ask the caller rather than leave it out.",
    )
    last_name: str | None = Field(
        None, description=f"Last name. {_WHO_LEAP_NEEDS}: ask the caller rather than leave it out."
    )
    company_name: str | None = Field(
        None,
        description="Business name: for a commercial customer (then the names are optional) or where "
        "the person works.",
    )
    phone: str = Field(description="Main phone number, any format (Leap requires one).")
    phone_label: PhoneLabel = Field("cell", description="What kind of phone it is.")
    email: EmailAddress | None = Field(None, description="Email address.")
    street: str | None = Field(None, description="Street address, e.g. '1420 Elm St'.")
    city: str | None = None
    state: str | None = Field(None, description="State name or postal code, e.g. 'CO'.")
    zip: str | None = None
    note: str | None = Field(None, description="Anything worth remembering about the customer.")
    sales_rep: str | None = Field(None, description="Name of the company user who owns this customer.")
    source: Literal["referral", "customer", "website", "other"] | None = Field(
        None, description="How they heard of the company."
    )
    create_anyway: bool = Field(
        False,
        description="Add the customer even though Leap has one with this phone or email: only after the "
        "caller said it is a different person (a spouse sharing a phone, say).",
    )

    def missing_names(self) -> list[str]:
        """What Leap would refuse the customer without: both names for a person."""
        if self.company_name and not (self.first_name and self.last_name):
            return []  # a business: Leap takes the company name alone
        return [field for field in ("first_name", "last_name") if not getattr(self, field)]

    @model_validator(mode="after")
    def _reachable(self) -> CustomerFields:
        digits = phone_digits(self.phone)
        if not 8 <= len(digits) <= 12:
            raise ValueError(f"phone {self.phone!r} should have 10 digits")
        if self.street and not self.city:
            raise ValueError("give the city with the street address")
        return self


class ResolvedCustomer(BaseModel):
    first_name: str | None
    last_name: str | None
    company_name: str | None
    phone: str
    phone_label: str
    email: str | None
    street: str | None
    city: str | None
    state_id: int | None
    country_id: int | None
    zip: str | None
    note: str | None
    rep_id: int | None
    source: str | None

    def new_customer(self) -> NewCustomer:
        address = None
        if self.street and self.city:
            address = Address(self.street, self.city, self.zip, self.state_id, self.country_id)
        return NewCustomer(
            first_name=self.first_name,
            last_name=self.last_name,
            company_name=self.company_name,
            phones=[Phone(self.phone, self.phone_label)],
            email=self.email,
            address=address,
            note=self.note,
            rep_id=self.rep_id,
            referred_by_type=self.source,
        )

    def describe(self) -> str:
        who = " ".join(part for part in (self.first_name, self.last_name) if part) or self.company_name or ""
        if self.company_name and who != self.company_name:
            who += f" of {self.company_name}"
        parts = [who, f"{self.phone_label} {spoken_phone(self.phone)}"]
        if self.email:
            parts.append(self.email)
        if self.street:
            parts.append(f"{self.street}, {self.city}")
        return ", ".join(parts)


async def resolve_customer(ctx: ToolContext, fields: CustomerFields) -> ResolvedCustomer:
    """The customer with names turned into ids. Asks the caller (``NeedsCaller``) for a name Leap
    requires, and offers the customer Leap already has with this phone or email instead of a second."""
    missing = fields.missing_names()
    if missing:
        wanted = " and ".join(field.replace("_", " ") for field in missing)
        raise NeedsCaller(
            f"Leap needs the customer's {wanted} before it can add them ({_WHO_LEAP_NEEDS}). Ask the "
            "caller for it, then call again. Nothing was created.",
            {"missing": missing},
        )
    if not fields.create_anyway:
        await _offer_existing(ctx, phone_digits(fields.phone), str(fields.email) if fields.email else None)
    state = await ctx.company.resolve_state(fields.state) if fields.state else None
    rep = await ctx.company.resolve_user(fields.sales_rep) if fields.sales_rep else None
    digits = phone_digits(fields.phone)
    resolved = ResolvedCustomer(
        first_name=fields.first_name,
        last_name=fields.last_name,
        company_name=fields.company_name,
        phone=digits,
        phone_label=fields.phone_label,
        email=str(fields.email) if fields.email else None,
        street=fields.street,
        city=fields.city,
        state_id=state.id if state else None,
        country_id=state.country_id if state else None,
        zip=fields.zip,
        note=fields.note,
        rep_id=rep.id if rep else None,
        source=fields.source,
    )
    return resolved


async def _offer_existing(ctx: ToolContext, digits: str, email: str | None) -> None:
    """Raise ``NeedsCaller`` offering the customer Leap already has with this phone or email."""
    includes = ("phones", "address")
    found = (await ctx.leap.find_customers(phone=digits, limit=1, includes=includes)).items
    what = "phone number"
    if not found and email:
        found = (await ctx.leap.find_customers(email=email, limit=1, includes=includes)).items
        what = "email"
    if found:
        existing = found[0]
        raise NeedsCaller(
            f"Leap already has {spoken_customer(existing)} (customer {existing['id']}) with this {what}. "
            "Offer that customer to the caller instead of adding a second one; only if they say it is "
            "someone else, call again with create_anyway. Nothing was created.",
            {"existing_customer": customer_match(existing)},
        )


class CreateCustomer(WriteTool[CustomerFields, ResolvedCustomer]):
    name = "create_customer"
    area = AREA
    description = (
        "Add a new customer to Leap (no job). Leap needs a first and last name (or a company name for a "
        "business) and a phone number; ask the caller for any that is missing. When Leap already has a "
        "customer with that phone or email, the result offers them instead: put that to the caller. "
        "To add a customer together with their first job, use create_prospect instead."
    )
    args_model = CustomerFields
    resolved_model = ResolvedCustomer

    async def plan(self, ctx: ToolContext, args: CustomerFields) -> tuple[str, ResolvedCustomer]:
        resolved = await resolve_customer(ctx, args)
        return f"Create customer {resolved.describe()}.", resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedCustomer) -> WriteResult:
        customer = await ctx.leap.create_customer(resolved.new_customer())
        await ctx.company.customers.forget()
        return WriteResult(result=customer_brief(customer), undo=delete_customer_undo(self.name, customer))

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        return await delete_created_customer(ctx, args)


def delete_customer_undo(tool: str, customer: JSON) -> Undo:
    name = person_name(customer) or f"customer {customer['id']}"
    return Undo(
        op=tool,
        args={"customer_id": customer["id"], "name": name},
        summary=f"Delete {name}, just added to Leap.",
    )


async def delete_created_customer(ctx: ToolContext, args: Mapping[str, Any]) -> str:
    """Leap refuses once one of their jobs has moved on; that refusal reaches the user as is."""
    await ctx.leap.delete_customer(int(args["customer_id"]))
    return f"Deleted {args['name']} from Leap."


class ProspectArgs(CustomerFields):
    job_description: str = Field(
        min_length=3, description="What the job is, e.g. 'Hail damage, full roof replacement'."
    )
    trade: str = Field(description="The trade of the job as the company names it, e.g. 'Roofing'.")
    job_name: str | None = Field(None, description="A short name for the job; optional.")
    division: str | None = Field(None, description="Division (branch) of the company; optional.")


class ResolvedProspect(ResolvedCustomer):
    job_description: str
    trade_id: int
    trade_name: str
    job_name: str | None
    division_id: int | None


class CreateProspect(WriteTool[ProspectArgs, ResolvedProspect]):
    name = "create_prospect"
    area = AREA
    description = (
        "Add a new lead: a customer and their first job in one step. The job starts in the company's "
        "first workflow stage. Leap needs a first and last name (or a company name), a phone, what the "
        "job is and its trade; ask the caller for any that is missing. An existing customer with that "
        "phone or email is offered instead of a second one."
    )
    args_model = ProspectArgs
    resolved_model = ResolvedProspect

    async def plan(self, ctx: ToolContext, args: ProspectArgs) -> tuple[str, ResolvedProspect]:
        customer = await resolve_customer(ctx, args)
        trade = await ctx.company.resolve_trade(args.trade)
        division = await ctx.company.resolve_division(args.division) if args.division else None
        resolved = ResolvedProspect(
            **customer.model_dump(),
            job_description=args.job_description,
            trade_id=trade.id,
            trade_name=trade.name,
            job_name=args.job_name,
            division_id=division.id if division else None,
        )
        summary = (
            f"Create lead {customer.describe()} with a {trade.name} job: {quoted(args.job_description)}."
        )
        return summary, resolved

    async def apply(self, ctx: ToolContext, resolved: ResolvedProspect) -> WriteResult:
        job = NewJob(
            description=resolved.job_description,
            trade_ids=[resolved.trade_id],
            name=resolved.job_name,
            division_id=resolved.division_id,
            rep_ids=[resolved.rep_id] if resolved.rep_id else [],
        )
        created = await ctx.leap.create_prospect(resolved.new_customer(), job)
        await ctx.company.customers.forget()
        stage = (
            await ctx.company.stage_by_code(created.first_stage_code) if created.first_stage_code else None
        )
        result = {
            "customer": customer_brief(created.customer),
            "job_ids": created.job_ids,
            "stage": stage.name if stage else None,
        }
        return WriteResult(result=compact(result), undo=delete_customer_undo(self.name, created.customer))

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        return await delete_created_customer(ctx, args)
