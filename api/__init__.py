"""Hard-E's HTTP surface under ``/v1``: three routers (``api.routes``): the admin API for operators
and tenant admins, the text channel (typed conversations), and the Direct Tools API for external
agents.

Owns authentication (operator token, scoped tenant API keys, widget tokens, the web app's session
cookie), the routes (sign-in, tenants,
settings, Leap connection, users, numbers, API keys, widget tokens, usage, audit, knowledge,
invites, conversations, tools), RFC 9457 problem responses, rate limits and idempotency; it runs
the audit archiving that ``tenants.audit`` implements. Exports ``install_api(app)``,
``AdminDeps`` (what the routes need, built in the lifespan and set as ``app.state.admin``) and
``new_operator_token`` (for ``harde operator-token``).
"""

from fastapi import FastAPI

from api.body_limits import BodyLimit, BodyTooLarge, body_too_large, document_body_limits
from api.deps import AdminDeps
from api.limits import RateLimitHeaders
from api.operator import hash_operator_token, new_operator_token
from api.problems import (
    DOCUMENT_NOT_FOUND,
    DOCUMENT_TOO_COMPLEX,
    DOCUMENT_TOO_LARGE,
    EMAIL_TAKEN,
    INVITE_EXPIRED,
    INVITE_NOT_FOUND,
    INVITE_REVOKED,
    INVITE_USED,
    KEY_NOT_FOUND,
    KNOWLEDGE_BUSY,
    KNOWLEDGE_FULL,
    PASSWORD_LINK_EXPIRED,
    PASSWORD_LINK_NOT_FOUND,
    PASSWORD_LINK_USED,
    PHONE_TAKEN,
    PIN_TAKEN,
    TENANT_EXISTS,
    TENANT_NOT_FOUND,
    TOO_MANY_UPLOADS,
    UNREADABLE_DOCUMENT,
    UNSUPPORTED_DOCUMENT,
    USER_NOT_FOUND,
    ProblemType,
    install_problem_handlers,
)
from api.routes import ROUTERS
from kb import (
    DocumentNotFound,
    DocumentTooComplex,
    DocumentTooLarge,
    KnowledgeBaseFull,
    KnowledgeBusy,
    TooManyUploads,
    UnreadableDocument,
    UnsupportedDocumentType,
)
from tenants import EmailTaken, NumberTaken, PinTaken, TenantExists, TenantNotFound, UserNotFound
from tenants.api_keys import KeyNotFound
from tenants.invites import InviteExpired, InviteNotFound, InviteRevoked, InviteUsed
from tenants.password_links import LinkExpired, LinkNotFound, LinkUsed

DOMAIN_ERRORS: dict[type[Exception], ProblemType] = {
    TenantNotFound: TENANT_NOT_FOUND,
    TenantExists: TENANT_EXISTS,
    UserNotFound: USER_NOT_FOUND,
    NumberTaken: PHONE_TAKEN,
    EmailTaken: EMAIL_TAKEN,
    PinTaken: PIN_TAKEN,
    KeyNotFound: KEY_NOT_FOUND,
    InviteNotFound: INVITE_NOT_FOUND,
    InviteUsed: INVITE_USED,
    InviteExpired: INVITE_EXPIRED,
    InviteRevoked: INVITE_REVOKED,
    LinkNotFound: PASSWORD_LINK_NOT_FOUND,
    LinkUsed: PASSWORD_LINK_USED,
    LinkExpired: PASSWORD_LINK_EXPIRED,
    DocumentNotFound: DOCUMENT_NOT_FOUND,
    DocumentTooLarge: DOCUMENT_TOO_LARGE,
    DocumentTooComplex: DOCUMENT_TOO_COMPLEX,
    TooManyUploads: TOO_MANY_UPLOADS,
    UnsupportedDocumentType: UNSUPPORTED_DOCUMENT,
    UnreadableDocument: UNREADABLE_DOCUMENT,
    KnowledgeBaseFull: KNOWLEDGE_FULL,
    KnowledgeBusy: KNOWLEDGE_BUSY,
}
"""Errors of the stores below, whose messages are written for people, and the problem each becomes."""


def install_api(app: FastAPI) -> None:
    """Add the ``/v1`` routes, the problem+json handlers and the rate-limit headers to ``app``, and
    bound the body of every request the app receives (``body_limits``)."""
    for router in ROUTERS:
        app.include_router(router)
    install_problem_handlers(app, DOMAIN_ERRORS)
    app.add_exception_handler(BodyTooLarge, body_too_large)
    document_body_limits(app)
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(BodyLimit)


__all__ = ["AdminDeps", "hash_operator_token", "install_api", "new_operator_token"]
