"""What Hard-E remembers about a tenant's people and the company: list, search, correct, delete,
and forget a person entirely."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access
from api.deps import Admin
from api.problems import MEMORY_NOT_FOUND, TENANT_NOT_FOUND, USER_NOT_FOUND, ApiProblem, documented
from api.routes.common import TENANT_AUTH_PROBLEMS
from memory import COMPANY, Memory, MemoryTier
from memory.similarity import overlap
from tenants import Scope

router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["memory"])

AdminAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.ADMIN))]
MemoryIdPath = Annotated[str, Path(min_length=1, max_length=64, examples=["m_3f9a1c2b7d"])]


class MemoryOut(BaseModel):
    id: str
    tier: MemoryTier
    about: str = Field(description="A user id, or `company` for company-wide learnings.")
    text: str
    source_session: str | None
    confidence: float
    created_at: datetime

    @classmethod
    def of(cls, memory: Memory) -> MemoryOut:
        return cls(
            id=memory.id,
            tier=memory.tier,
            about=memory.subject,
            text=memory.text,
            source_session=memory.source_session,
            confidence=memory.confidence,
            created_at=datetime.fromtimestamp(memory.created_at, UTC),
        )


class MemoryPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": "Mike covers Boulder and Longmont."}]}
    )

    text: str = Field(min_length=1, max_length=500, description="The corrected wording.")


class Forgotten(BaseModel):
    memories_removed: int


@router.get(
    "/memories",
    summary="List or search memories",
    description="Newest first. `about` narrows to one user (or `company`); `q` keeps memories sharing "
    "words with the query, best match first.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def list_memories(
    admin: Admin,
    access: AdminAccess,
    about: Annotated[str | None, Query(max_length=64, description="A user id, or `company`.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words to look for.")] = None,
) -> list[MemoryOut]:
    await admin.tenants.get_tenant(access.tenant_id)
    memories = await admin.memory.all(access.tenant_id)
    if about:
        memories = [memory for memory in memories if memory.subject == about]
    if q:
        scored = [(overlap(q, memory.text), memory) for memory in memories]
        memories = [memory for score, memory in sorted(scored, key=lambda pair: -pair[0]) if score > 0]
    return [MemoryOut.of(memory) for memory in memories]


@router.patch(
    "/memories/{memory_id}",
    summary="Correct a memory",
    responses=documented(*TENANT_AUTH_PROBLEMS, MEMORY_NOT_FOUND),
)
async def update_memory(
    memory_id: MemoryIdPath, body: MemoryPatch, admin: Admin, access: AdminAccess
) -> MemoryOut:
    changed = await admin.memory.update(access.tenant_id, memory_id, body.text)
    if changed is None:
        raise ApiProblem(MEMORY_NOT_FOUND, f"There is no memory {memory_id} in this tenant.")
    await admin.audit.record(access.tenant_id, actor=access.actor, event="memory.updated", detail=memory_id)
    return MemoryOut.of(changed)


@router.delete(
    "/memories/{memory_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a memory",
    responses=documented(*TENANT_AUTH_PROBLEMS, MEMORY_NOT_FOUND),
)
async def delete_memory(memory_id: MemoryIdPath, admin: Admin, access: AdminAccess) -> Response:
    if not await admin.memory.delete(access.tenant_id, memory_id):
        raise ApiProblem(MEMORY_NOT_FOUND, f"There is no memory {memory_id} in this tenant.")
    await admin.audit.record(access.tenant_id, actor=access.actor, event="memory.deleted", detail=memory_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/users/{user_id}/memories",
    summary="Forget a user entirely",
    description="Removes everything Hard-E learned about this person, including company facts they "
    "stated that no one else has confirmed yet. The user account itself stays.",
    responses=documented(*TENANT_AUTH_PROBLEMS, USER_NOT_FOUND),
)
async def forget_user(
    user_id: Annotated[str, Path(min_length=1, max_length=64)], admin: Admin, access: AdminAccess
) -> Forgotten:
    if user_id != COMPANY:
        await admin.tenants.get_user(access.tenant_id, user_id)
    removed = await admin.memory.forget_user(access.tenant_id, user_id)
    await admin.audit.record(access.tenant_id, actor=access.actor, event="memory.forgot_user", detail=user_id)
    return Forgotten(memories_removed=removed)
