"""Trial limits as the API enforces them. The counting itself is atomic in ``tenants.usage``."""

from __future__ import annotations

from api.problems import TRIAL_EXPIRED, TRIAL_LIMIT_REACHED, ApiProblem
from tenants import LimitDecision, LimitReason, Tenant
from tenants.models import utcnow

_NEXT_STEP = " Ask us to extend it, or to turn it into a full account."


def ensure_trial_active(tenant: Tenant) -> None:
    """Refuse anything at all once a trial's time is up."""
    trial = tenant.trial
    if trial is not None and trial.expires_at is not None and trial.expires_at <= utcnow():
        raise ApiProblem(TRIAL_EXPIRED, f"This trial ended on {trial.expires_at:%Y-%m-%d}.{_NEXT_STEP}")


def refusal(decision: LimitDecision) -> ApiProblem:
    """The problem for a trial limit that ``UsageMeter`` refused."""
    kind = TRIAL_EXPIRED if decision.reason is LimitReason.EXPIRED else TRIAL_LIMIT_REACHED
    return ApiProblem(kind, decision.message + _NEXT_STEP)
