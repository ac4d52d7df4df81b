"""A Leap CRM (v3) emulator with seeded "Demo Roofing" data: backs the demo tenant, trials and tests.

`create_sandbox_app(seed=7, rate_limit_per_minute=60, rate_limit_window_seconds=60.0)` returns a
FastAPI app serving `/api/v3/...` (relative paths, so it can be mounted anywhere) and `/_sandbox/...`
control routes. Its `Sandbox` controller is `app.state.sandbox`. Every Bearer token
`sandbox_<8+ chars>` gets its own dataset. The app's OpenAPI (`/docs`) lists every route.
"""

from crm_leap.sandbox.app import create_sandbox_app
from crm_leap.sandbox.controller import Sandbox
from crm_leap.sandbox.faults import FaultKind, FaultRule
from crm_leap.sandbox.request_log import RequestRecord

__all__ = ["FaultKind", "FaultRule", "RequestRecord", "Sandbox", "create_sandbox_app"]
