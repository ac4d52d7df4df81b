"""Which Claude models Hard-E uses by default, and which ones Anthropic has retired.

The defaults are named here and nowhere else. Retirement dates come from the Anthropic SDK's own
table (the SDK warns with it when a deprecated model is called), so upgrading the SDK is how
Hard-E learns of a new retirement: tenants still naming a retired model are moved to the current
default of the same slot at start-up, and ``harde doctor`` warns about models that are only
deprecated so far.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from enum import StrEnum

log = logging.getLogger(__name__)

TEXT_MODEL = "claude-sonnet-5-5"
"""Typed conversations: the stronger current model."""
VOICE_MODEL = "claude-haiku-5-5"
"""Calls: the fast current model, where every 100 ms of first token is heard."""
FALLBACK_MODEL = "claude-haiku-5-5"
"""Answers when a tenant's model is overloaded, down, or refused."""

_SDK_DATE = re.compile(r"^(?P<month>[A-Z][a-z]+) (?P<day>\d{1,2})(?:st|nd|rd|th), (?P<year>\d{4})$")


class Lifecycle(StrEnum):
    ACTIVE = "active"
    DEPRECATED = "deprecated"  # still answers; retirement date announced
    RETIRED = "retired"  # the API refuses it


def _sdk_retirement_dates() -> dict[str, date]:
    """The SDK's model -> end-of-life table, parsed; empty if this SDK version has none."""
    try:
        from anthropic.resources.messages.messages import DEPRECATED_MODELS
    except ImportError:  # the table is the SDK's internal; without it, nothing counts as retired
        return {}
    dates = {}
    for model, text in DEPRECATED_MODELS.items():
        found = _SDK_DATE.match(text)
        if found is None:
            log.warning("cannot read the Anthropic SDK's end-of-life date %r for %s", text, model)
            continue
        month = datetime.strptime(found["month"], "%B").month
        dates[model] = date(int(found["year"]), month, int(found["day"]))
    return dates


RETIREMENT_DATES = _sdk_retirement_dates()


def lifecycle(model: str, today: date) -> Lifecycle:
    """Where ``model`` stands on ``today`` by the SDK's table (unknown models count as active)."""
    end = RETIREMENT_DATES.get(model)
    if end is None:
        return Lifecycle.ACTIVE
    return Lifecycle.RETIRED if today >= end else Lifecycle.DEPRECATED


def retirement_date(model: str) -> date | None:
    return RETIREMENT_DATES.get(model)
