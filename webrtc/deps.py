"""What the browser-call routes need, set on ``app.state.webrtc`` by the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from core.redis import Redis
from core.settings import Settings
from pipeline import PipelineDeps
from tenants import TenantStore, UsageMeter
from tenants.widget_tokens import WidgetTokens
from webrtc.calls import BrowserCalls
from webrtc.slots import Slots


@dataclass(frozen=True)
class WebRTCDeps:
    settings: Settings
    redis: Redis
    tenants: TenantStore
    usage: UsageMeter
    widget_tokens: WidgetTokens
    slots: Slots
    calls: BrowserCalls

    @classmethod
    def build(
        cls,
        *,
        settings: Settings,
        redis: Redis,
        tenants: TenantStore,
        usage: UsageMeter,
        widget_tokens: WidgetTokens,
        pipeline: PipelineDeps | None,
    ) -> WebRTCDeps:
        slots = Slots(
            redis, per_tenant=settings.webrtc_sessions_per_tenant, per_user=settings.webrtc_sessions_per_user
        )
        return cls(
            settings,
            redis,
            tenants,
            usage,
            widget_tokens,
            slots,
            BrowserCalls(settings, redis, slots, pipeline),
        )
