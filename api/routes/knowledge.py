"""A tenant's knowledge documents (price sheets, warranty terms, objection handling): upload, list,
delete. The knowledge base stores the original in the blob store and indexes it for search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import TenantAccess, tenant_access
from api.body_limits import UPLOAD_MAX_BYTES
from api.deps import Admin
from api.problems import (
    BAD_REQUEST,
    DOCUMENT_NOT_FOUND,
    DOCUMENT_TOO_COMPLEX,
    DOCUMENT_TOO_LARGE,
    KNOWLEDGE_BUSY,
    KNOWLEDGE_FULL,
    REQUEST_TOO_LARGE,
    TENANT_NOT_FOUND,
    TOO_MANY_UPLOADS,
    UNREADABLE_DOCUMENT,
    UNSUPPORTED_DOCUMENT,
    VALIDATION_ERROR,
    ApiProblem,
    documented,
)
from api.routes.common import TENANT_AUTH_PROBLEMS
from kb import MAX_DOCUMENT_BYTES, SUPPORTED_EXTENSIONS, Document, DocumentKind, check_upload
from tenants import Scope

router = APIRouter(
    prefix="/v1/tenants/{tenant_id}/knowledge", tags=["knowledge"], max_body_size=UPLOAD_MAX_BYTES
)

KnowledgeAccess = Annotated[TenantAccess, Depends(tenant_access(Scope.KNOWLEDGE))]


class DocumentOut(BaseModel):
    id: str = Field(description="Derived from the content: the same file uploaded twice is one document.")
    name: str
    kind: DocumentKind
    size_bytes: int
    chunk_count: int = Field(description="Searchable passages the document was cut into.")
    added_at: datetime

    @classmethod
    def of(cls, document: Document) -> DocumentOut:
        return cls(
            id=document.id,
            name=document.name,
            kind=document.kind,
            size_bytes=document.size_bytes,
            chunk_count=document.chunk_count,
            added_at=document.added_at,
        )


class Uploaded(BaseModel):
    document: DocumentOut
    duplicate: bool = Field(description="True when these exact bytes were already there (nothing was added).")


class Passage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "document_id": "9f2c1e0a7b3d4c5e",
                    "filename": "warranty-tiers.md",
                    "heading": "Warranty tiers > Golden Pledge",
                    "text": "The Golden Pledge covers materials and workmanship for 50 years ...",
                    "score": 7.42,
                }
            ]
        }
    )

    document_id: str
    filename: str
    heading: str = Field(description="Where the passage sits: `Heading > Subheading` (empty before any).")
    text: str
    score: float = Field(description="How well it matches; higher is better (only the order means much).")


class StarterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": False}]})

    enabled: bool = Field(description="True adds the starter documents; false removes them.")


class StarterOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"enabled": False, "changed": ["price-ranges.md", "warranty-tiers.md"]}]
        }
    )

    enabled: bool
    changed: list[str] = Field(description="Names of the documents added or removed by this request.")


@router.get(
    "/search",
    summary="Search the documents, with citations",
    description="The passages Hard-E itself would be given for this question, best first.",
    responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND),
)
async def search_knowledge(
    admin: Admin,
    access: KnowledgeAccess,
    q: Annotated[str, Query(min_length=1, max_length=300, description="A question or a few words.")],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[Passage]:
    await admin.tenants.get_tenant(access.tenant_id)
    if not q.strip():
        raise ApiProblem(VALIDATION_ERROR, "q is blank: type a question or a few words to look for.")
    return [
        Passage(
            document_id=hit.document_id,
            filename=hit.document,
            heading=" > ".join(hit.heading_path),
            text=hit.text,
            score=round(hit.score, 4),
        )
        for hit in await admin.knowledge.search(access.tenant_id, q, limit)
    ]


@router.put(
    "/starter",
    summary="Turn the starter documents on or off",
    description=(
        "The starter documents are a roofing company's typical price ranges, warranty tiers, financing, "
        "objections and insurance claims, to try Hard-E with before the company's own are uploaded. "
        "Turning them off removes exactly those documents; the company's own uploads stay."
    ),
    responses=documented(
        *TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND, KNOWLEDGE_FULL, KNOWLEDGE_BUSY, TOO_MANY_UPLOADS
    ),
)
async def set_starter(body: StarterIn, admin: Admin, access: KnowledgeAccess) -> StarterOut:
    await admin.tenants.get_tenant(access.tenant_id)
    if body.enabled:
        added = await admin.knowledge.ingest_starter(access.tenant_id)
        changed = [result.document.name for result in added if not result.duplicate]
    else:
        changed = [document.name for document in await admin.knowledge.remove_starter(access.tenant_id)]
    await admin.audit.record(
        access.tenant_id,
        actor=access.actor,
        event="knowledge.starter_on" if body.enabled else "knowledge.starter_off",
        detail=", ".join(changed),
    )
    return StarterOut(enabled=body.enabled, changed=changed)


@router.get("", summary="List documents", responses=documented(*TENANT_AUTH_PROBLEMS, TENANT_NOT_FOUND))
async def list_documents(admin: Admin, access: KnowledgeAccess) -> list[DocumentOut]:
    await admin.tenants.get_tenant(access.tenant_id)
    return [DocumentOut.of(document) for document in await admin.knowledge.list_documents(access.tenant_id)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Upload a document",
    description=(
        f"Multipart form with one `file` field: {', '.join(SUPPORTED_EXTENSIONS)}, at most "
        f"{MAX_DOCUMENT_BYTES // 1_048_576} MB. It is searchable as soon as this returns. A document "
        "that needs more processing time or memory to read than one document may is refused "
        "(`document-too-complex`, nothing stored); a tenant may have two uploads being read at "
        "once by default, and a third is refused until one finishes (`too-many-uploads`)."
    ),
    responses=documented(
        *TENANT_AUTH_PROBLEMS,
        BAD_REQUEST,
        TENANT_NOT_FOUND,
        KNOWLEDGE_FULL,
        DOCUMENT_TOO_LARGE,
        REQUEST_TOO_LARGE,
        UNSUPPORTED_DOCUMENT,
        UNREADABLE_DOCUMENT,
        DOCUMENT_TOO_COMPLEX,
        TOO_MANY_UPLOADS,
        KNOWLEDGE_BUSY,
    ),
)
async def upload_document(
    file: Annotated[UploadFile, File(description="The document.")], admin: Admin, access: KnowledgeAccess
) -> Uploaded:
    await admin.tenants.get_tenant(access.tenant_id)
    filename = file.filename or ""
    check_upload(filename, file.size or 0)  # refuse by name and size before reading it
    result = await admin.knowledge.ingest(access.tenant_id, filename, await file.read())
    if not result.duplicate:
        await admin.audit.record(
            access.tenant_id,
            actor=access.actor,
            event="knowledge.added",
            detail=f"{result.document.id} {result.document.name}",
        )
    return Uploaded(document=DocumentOut.of(result.document), duplicate=result.duplicate)


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a document",
    responses=documented(*TENANT_AUTH_PROBLEMS, DOCUMENT_NOT_FOUND, KNOWLEDGE_BUSY),
)
async def delete_document(
    document_id: Annotated[str, Path(min_length=1, max_length=64, examples=["9f2c1e0a7b3d4c5e"])],
    admin: Admin,
    access: KnowledgeAccess,
) -> Response:
    document = await admin.knowledge.delete_document(access.tenant_id, document_id)
    await admin.audit.record(
        access.tenant_id,
        actor=access.actor,
        event="knowledge.deleted",
        detail=f"{document.id} {document.name}",
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
