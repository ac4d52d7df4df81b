"""Countries and states (reference §18): callers say "Colorado", addresses need a `state_id`."""

from __future__ import annotations

from typing import Any

COUNTRIES: list[dict[str, Any]] = [
    {"id": 1, "name": "United States", "code": "US", "currency_name": "Dollar", "currency_symbol": "$"},
    {"id": 2, "name": "Canada", "code": "CA", "currency_name": "Dollar", "currency_symbol": "$"},
]

_US_STATES = (
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
    ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
    ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"),
    ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
)  # fmt: skip

_CA_PROVINCES = (
    ("AB", "Alberta"), ("BC", "British Columbia"), ("MB", "Manitoba"), ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"), ("NS", "Nova Scotia"), ("ON", "Ontario"),
    ("PE", "Prince Edward Island"), ("QC", "Quebec"), ("SK", "Saskatchewan"),
)  # fmt: skip

STATES: list[dict[str, Any]] = [
    {"id": index, "name": name, "code": code, "country_id": 1}
    for index, (code, name) in enumerate(_US_STATES, start=1)
] + [
    {"id": index, "name": name, "code": code, "country_id": 2}
    for index, (code, name) in enumerate(_CA_PROVINCES, start=len(_US_STATES) + 1)
]

STATES_BY_ID: dict[int, dict[str, Any]] = {state["id"]: state for state in STATES}
COUNTRIES_BY_ID: dict[int, dict[str, Any]] = {country["id"]: country for country in COUNTRIES}
COLORADO_ID: int = next(state["id"] for state in STATES if state["code"] == "CO")
