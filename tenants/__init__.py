"""Tenants (contracting companies), their users and roles, credentials (API keys in
``tenants.api_keys``, widget tokens in ``tenants.widget_tokens``, invites in ``tenants.invites``),
phone routing and encrypted secrets.

Exports the models (``Tenant``, ``User``, ``Role``, API key ``Scope`` ...), ``TenantStore`` (the
Redis repository), ``normalize_phone`` and the demo tenant bootstrap. ``tenants.audit`` owns each
tenant's audit stream (the brain writes tool runs, the API writes admin events, reads pages and
archives). Built on ``core`` only.
"""

from tenants.demo import DEMO_TENANT_ID, ensure_demo_tenant, new_sandbox_token
from tenants.models import (
    CrmMode,
    ModelSettings,
    Role,
    Scope,
    Tenant,
    TrialLimits,
    TurnStrategy,
    UnknownCallerPolicy,
    User,
    VoiceSettings,
)
from tenants.phones import normalize_phone
from tenants.store import (
    EmailTaken,
    NumberTaken,
    PinTaken,
    TenantError,
    TenantExists,
    TenantNotFound,
    TenantStore,
    UserNotFound,
)
from tenants.usage import (
    DailyUsage,
    LimitDecision,
    LimitReason,
    Totals,
    TrialStatus,
    UsageMeter,
    trial_status,
)

__all__ = [
    "DEMO_TENANT_ID",
    "CrmMode",
    "DailyUsage",
    "EmailTaken",
    "LimitDecision",
    "LimitReason",
    "ModelSettings",
    "NumberTaken",
    "PinTaken",
    "Role",
    "Scope",
    "Tenant",
    "TenantError",
    "TenantExists",
    "TenantNotFound",
    "TenantStore",
    "Totals",
    "TrialLimits",
    "TrialStatus",
    "TurnStrategy",
    "UnknownCallerPolicy",
    "UsageMeter",
    "User",
    "UserNotFound",
    "VoiceSettings",
    "ensure_demo_tenant",
    "new_sandbox_token",
    "normalize_phone",
    "trial_status",
]
