"""Leap CRM: what Hard-E does in a contractor's Leap account.

Owns the async Leap v3 client (``LeapClient``: one method per endpoint, retries, typed errors),
the per-token rate limit shared by all workers (``leap_rate_limiter``), the cached company
vocabulary and customer names with forgiving name resolution by spelling and sound
(``CompanyDirectory``, ``crm_leap.heard``), which endpoints each company's Leap answers
(``CapabilityStore``, ``crm_leap.capabilities``), the CRM tools (``crm_leap.tools``), and the
connector that gives a tenant's tools the real Leap or the built-in sandbox (``LeapConnector``).
The Leap emulator with demo data is its own package, ``leap_sandbox``.

Knows a tenant only by its id and the Leap token handed in; never imports ``tenants`` or above.
"""

from crm_leap.capabilities import Capability, CapabilityReport, CapabilityStore, not_available
from crm_leap.client import Address, LeapClient, NewCustomer, NewJob, Phone, ProspectCreated
from crm_leap.company import CompanyDirectory, CompanyUser, Division, Stage, State, Trade
from crm_leap.connector import LeapConnector, LeapNotConnected, LeapTokens
from crm_leap.errors import (
    ActionNotAvailable,
    AmbiguousName,
    LeapArchivedJob,
    LeapAuthError,
    LeapEndpointMissing,
    LeapError,
    LeapNotFound,
    LeapRateLimited,
    LeapUnavailable,
    LeapValidationError,
    NeedsCaller,
    ToolError,
    ToolInputError,
    UnknownName,
)
from crm_leap.limiter import LeapLimits, leap_rate_limiter
from crm_leap.tools import (
    ALL_TOOLS,
    PreparedWrite,
    Tier,
    Tool,
    ToolContext,
    Undo,
    WriteResult,
    registry,
    run_undo,
)
from crm_leap.transport import Page, RetryPolicy

__all__ = [
    "ALL_TOOLS",
    "ActionNotAvailable",
    "Address",
    "AmbiguousName",
    "Capability",
    "CapabilityReport",
    "CapabilityStore",
    "CompanyDirectory",
    "CompanyUser",
    "Division",
    "LeapArchivedJob",
    "LeapAuthError",
    "LeapClient",
    "LeapConnector",
    "LeapEndpointMissing",
    "LeapError",
    "LeapLimits",
    "LeapNotConnected",
    "LeapNotFound",
    "LeapRateLimited",
    "LeapTokens",
    "LeapUnavailable",
    "LeapValidationError",
    "NeedsCaller",
    "NewCustomer",
    "NewJob",
    "Page",
    "Phone",
    "PreparedWrite",
    "ProspectCreated",
    "RetryPolicy",
    "Stage",
    "State",
    "Tier",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolInputError",
    "Trade",
    "Undo",
    "UnknownName",
    "WriteResult",
    "leap_rate_limiter",
    "not_available",
    "registry",
    "run_undo",
]
