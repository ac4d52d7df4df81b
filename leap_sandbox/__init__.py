"""A Leap CRM (v3) emulator with seeded "Demo Roofing" data: backs the demo tenant, trials and tests.

`create_sandbox_app(seed=7, rate_limit_per_minute=60, rate_limit_window_seconds=60.0)` returns a
FastAPI app serving `/api/v3/...` (relative paths, so it can be mounted anywhere) and `/_sandbox/...`
control routes. Its `Sandbox` controller is `app.state.sandbox`. Every Bearer token
`sandbox_<8+ chars>` gets its own dataset. The app's OpenAPI (`/docs`) lists every route.

Imports nothing of the project, so the product, the benchmarks and the tests can all use it.
"""

from leap_sandbox.app import create_sandbox_app
from leap_sandbox.controller import Sandbox
from leap_sandbox.faults import FaultKind, FaultRule
from leap_sandbox.request_log import RequestRecord

__all__ = ["FaultKind", "FaultRule", "RequestRecord", "Sandbox", "create_sandbox_app"]
