"""The fixed part of "Demo Roofing": staff, workflow, trades, divisions, referrals, crews.

These never vary with the seed: people and stage codes are what callers and tests name directly
("move it to Proposal Sent", "tell Mike Chen").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from leap_sandbox.dataset import Dataset
from leap_sandbox.geography import COLORADO_ID
from leap_sandbox.models import (
    Address,
    Division,
    Referral,
    ResultOption,
    Stage,
    SubContractor,
    Trade,
    User,
    WorkType,
)

OWNER_ID = 11
SALES_MANAGER_ID = 12  # Mike Alvarez
OFFICE_MANAGER_ID = 13
SALES_REP_IDS = (12, 14, 15)  # Mike Alvarez, Mike Chen, Tyler Brooks
ESTIMATOR_IDS = (16, 12)
CREW_LEAD_IDS = (17, 18)

_USERS = (
    # id, first, last, role, position, admin
    (11, "Dana", "Whitfield", "owner", "Owner", 1),
    (12, "Mike", "Alvarez", "admin", "Sales Manager", 1),
    (13, "Rachel", "Kim", "admin", "Office Manager", 1),
    (14, "Mike", "Chen", "standard", "Sales Rep", 0),
    (15, "Tyler", "Brooks", "standard", "Sales Rep", 0),
    (16, "Jasmine", "Ortiz", "standard", "Estimator", 0),
    (17, "Luis", "Ramirez", "standard", "Crew Lead", 0),
    (18, "Travis", "Nguyen", "standard", "Crew Lead", 0),
)
_USER_COLORS = ("#1e88e5", "#e53935", "#8e24aa", "#43a047", "#fb8c00", "#00acc1", "#6d4c41", "#546e7a")

_STAGES = (
    ("Lead", "#9e9e9e"),
    ("Inspection Scheduled", "#03a9f4"),
    ("Estimate Prepared", "#ffc107"),
    ("Proposal Sent", "#ff9800"),
    ("Contract Signed", "#3bc156"),
    ("Materials Ordered", "#8bc34a"),
    ("In Production", "#4caf50"),
    ("Final Inspection", "#009688"),
    ("Invoiced", "#673ab7"),
    ("Paid & Closed", "#37474f"),
)

ROOFING, SIDING, GUTTERS, WINDOWS, PAINTING, INSULATION = 8, 9, 10, 11, 12, 13
_TRADES = (
    (ROOFING, "Roofing", "#d32f2f"),
    (SIDING, "Siding", "#1976d2"),
    (GUTTERS, "Gutters", "#388e3c"),
    (WINDOWS, "Windows", "#7b1fa2"),
    (PAINTING, "Painting", "#f57c00"),
    (INSULATION, "Insulation", "#5d4037"),
)

_WORK_TYPES = (
    (101, "Asphalt Shingle Replacement", ROOFING),
    (102, "Roof Repair", ROOFING),
    (103, "Metal Roofing", ROOFING),
    (104, "Flat Roof (TPO)", ROOFING),
    (105, "Vinyl Siding", SIDING),
    (106, "Fiber Cement Siding", SIDING),
    (107, "Seamless Gutters", GUTTERS),
    (108, "Gutter Guards", GUTTERS),
    (109, "Window Replacement", WINDOWS),
    (110, "Exterior Painting", PAINTING),
    (111, "Attic Insulation", INSULATION),
)

RESIDENTIAL, INSURANCE_RESTORATION, COMMERCIAL = 3, 4, 5

_REFERRALS = ("Google", "Facebook", "Angi", "Door Knocking", "Yard Sign", "Customer Referral", "Home Show")

RESULT_SOLD, RESULT_PRESENTED, RESULT_FOLLOW_UP, RESULT_NOT_HOME, RESULT_NO_DAMAGE = 1, 2, 3, 4, 5
_RESULT_OPTIONS = (
    (RESULT_SOLD, "Sold"),
    (RESULT_PRESENTED, "Proposal Presented"),
    (RESULT_FOLLOW_UP, "Follow-up Needed"),
    (RESULT_NOT_HOME, "Not Home"),
    (RESULT_NO_DAMAGE, "No Damage Found"),
)

_SUB_CONTRACTORS = (
    # id, first, last, company, type, trades, city, zip, active
    (301, "Hector", "Valdez", "Valdez Roofing Labor", "labor", [ROOFING], "Aurora", "80012", 1),
    (302, "Brian", "O'Neill", "Peak Seamless Gutters", "sub_contractor", [GUTTERS], "Lakewood", "80226", 1),
    (303, "Anna", "Kowalski", "Front Range Siding Pros", "sub_contractor", [SIDING], "Arvada", "80003", 1),
    (
        304,
        "Samuel",
        "Reyes",
        "Summit Window Installers",
        "sub_contractor",
        [WINDOWS],
        "Littleton",
        "80120",
        1,
    ),
    (305, "Derek", "Miller", "Mile High Painting", "sub_contractor", [PAINTING], "Denver", "80219", 1),
    (306, "Jose", "Castillo", "Castillo Crew", "labor", [ROOFING], "Thornton", "80229", 0),
)

PAYMENT_TYPES: tuple[dict[str, Any], ...] = (
    {"id": 1, "label": "Cash", "method": "cash"},
    {"id": 2, "label": "Check", "method": "check"},
    {"id": 3, "label": "Credit Card", "method": "credit_card"},
    {"id": 4, "label": "eCheck", "method": "echeque"},
    {"id": 5, "label": "Financing", "method": "financing"},
)

COMPANY_EMAIL = "office@demo-roofing.example"
_CONFIGURED_AT = datetime(2024, 1, 15, 9, 0, 0)


def add_company_configuration(ds: Dataset) -> None:
    """Fill the company-wide tables every job and appointment refers to."""
    for index, (user_id, first, last, role, position, admin) in enumerate(_USERS):
        ds.users[user_id] = User(
            id=user_id,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@demo-roofing.example",
            role=role,
            position=position,
            phone=f"72055501{user_id:02d}",
            color=_USER_COLORS[index],
            added_date=date(2024, 1, 15 + index),
            admin_privilege=admin,
            division_ids=[RESIDENTIAL, INSURANCE_RESTORATION] if role != "owner" else [],
        )
    ds.stages = [
        Stage(
            id=41 + index,
            code=f"169160221613415{5001 + index:05d}",
            name=name,
            color=color,
            position=index + 1,
        )
        for index, (name, color) in enumerate(_STAGES)
    ]
    ds.trades = {trade_id: Trade(trade_id, name, color) for trade_id, name, color in _TRADES}
    ds.work_types = {
        work_id: WorkType(work_id, name, trade_id, ds.trades[trade_id].color)
        for work_id, name, trade_id in _WORK_TYPES
    }
    headquarters = Address(
        id=1, address="4550 Brighton Blvd", city="Denver", state_id=COLORADO_ID, zip="80216"
    )
    ds.divisions = {
        RESIDENTIAL: Division(RESIDENTIAL, "Residential", "RES", "#1e88e5", COMPANY_EMAIL, "3035550100",
                              headquarters, [ROOFING, SIDING, GUTTERS, WINDOWS, PAINTING, INSULATION]),
        INSURANCE_RESTORATION: Division(INSURANCE_RESTORATION, "Insurance Restoration", "INS", "#e53935",
                                        "claims@demo-roofing.example", "3035550102", headquarters,
                                        [ROOFING, SIDING, GUTTERS]),
        COMMERCIAL: Division(COMMERCIAL, "Commercial", "COM", "#6d4c41", COMPANY_EMAIL, "3035550103",
                             headquarters, [ROOFING]),
    }  # fmt: skip
    ds.referrals = {
        index: Referral(index, name, _CONFIGURED_AT) for index, name in enumerate(_REFERRALS, start=1)
    }
    ds.result_options = {
        option_id: ResultOption(option_id, name, [{"name": "Notes", "type": "text"}])
        for option_id, name in _RESULT_OPTIONS
    }
    for sub_id, first, last, company, kind, trade_ids, city, zip_code, active in _SUB_CONTRACTORS:
        ds.sub_contractors[sub_id] = SubContractor(
            id=sub_id,
            first_name=first,
            last_name=last,
            company_name=company,
            email=f"{first.lower()}@{_domain_label(company)}.example",
            phone=f"30355502{sub_id % 100:02d}",
            type=kind,
            trade_ids=list(trade_ids),
            city=city,
            zip=zip_code,
            color=_USER_COLORS[sub_id % len(_USER_COLORS)],
            created_at=_CONFIGURED_AT,
            is_active=active,
        )


def _domain_label(company: str) -> str:
    return "".join(char for char in company.lower() if char.isalnum())


def stage_named(ds: Dataset, name: str) -> Stage:
    return next(stage for stage in ds.stages if stage.name == name)
