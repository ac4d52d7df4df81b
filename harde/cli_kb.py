"""`harde kb ...`: put documents into a tenant's knowledge base, list, delete and search them.

Registered by the main CLI with ``app.add_typer(kb_app, name="kb")``. Same exit codes as the rest
of the CLI: 0 success, 1 the command failed (message on stderr), 2 bad usage. ``ingest`` tries
every file before it exits 1, so one bad file does not hide the results of the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from harde.cli_common import Session, err, fail, out, run

if TYPE_CHECKING:  # kb loads bm25s and numba: seconds, which `harde --help` should not pay
    from kb import IngestResult, KnowledgeBase

T = TypeVar("T")

kb_app = typer.Typer(
    help="Add, list, delete and search a tenant's knowledge documents.", no_args_is_help=True
)

TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id.")]


def _run(tenant_id: str, action: Callable[[KnowledgeBase], Awaitable[T]]) -> T:
    """Run ``action`` on the tenant's knowledge base (after checking the tenant exists)."""

    from harde.knowledge import knowledge_base
    from kb import KnowledgeError

    async def with_kb(session: Session) -> T:
        await session.tenants.get_tenant(tenant_id)
        kb = knowledge_base(session.settings, session.redis, session.blobs)
        try:
            return await action(kb)
        finally:
            kb.close()

    return run(with_kb, errors=(KnowledgeError,))


def _result_line(source: str, result: IngestResult) -> str:
    document = result.document
    if result.duplicate:
        return (
            f"[yellow]=[/yellow] {escape(source)}: already stored as {document.id} ({escape(document.name)})"
        )
    return f"[green]✓[/green] {escape(source)}: stored as {document.id} ({document.chunk_count} chunks)"


def _files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Files to ingest (named files as given; folders' supported files, recursively) and missing paths."""
    from kb import SUPPORTED_EXTENSIONS

    files: list[Path] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    found
                    for found in path.rglob("*")
                    if found.is_file()
                    and found.suffix.lower() in SUPPORTED_EXTENSIONS
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append(path)
    return files, missing


async def _ingest_files(kb: KnowledgeBase, tenant_id: str, files: list[Path]) -> int:
    """Ingest each file in turn, printing a line per file; returns how many failed."""
    from kb import KnowledgeError, check_upload

    failed = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=escape(path.name))
            try:
                check_upload(path.name, path.stat().st_size)  # refuse a huge file without reading it
                result = await kb.ingest(tenant_id, path.name, await asyncio.to_thread(path.read_bytes))
            except (KnowledgeError, OSError) as error:
                failed += 1
                err.print(f"[red]✗[/red] {escape(str(path))}: {escape(str(error))}", soft_wrap=True)
            else:
                out.print(_result_line(str(path), result), soft_wrap=True)
            progress.advance(task)
    return failed


@kb_app.command("ingest")
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, or folders to take every supported file from.")],
    tenant: TenantOption,
) -> None:
    """Add documents (.txt, .md, .pdf, .docx); files already stored are reported and skipped."""
    from kb import SUPPORTED_EXTENSIONS

    files, missing = _files(paths)
    for path in missing:
        err.print(f"[red]✗[/red] {escape(str(path))}: no such file or folder", soft_wrap=True)
    if not files and not missing:
        raise fail(f"no {', '.join(SUPPORTED_EXTENSIONS)} files found in {', '.join(map(str, paths))}")
    failed = len(missing) + (_run(tenant, lambda kb: _ingest_files(kb, tenant, files)) if files else 0)
    if failed:
        err.print(f"{failed} of {len(files) + len(missing)} failed")
        raise typer.Exit(1)


@kb_app.command("starter")
def starter(tenant: TenantOption) -> None:
    """Add the starter documents for a roofing company (shingles, warranties, financing, ...)."""
    for result in _run(tenant, lambda kb: kb.ingest_starter(tenant)):
        out.print(_result_line(result.document.name, result), soft_wrap=True)


@kb_app.command("list")
def list_documents(tenant: TenantOption) -> None:
    """List the tenant's documents."""
    table = Table(
        Column("id", no_wrap=True), Column("name", overflow="fold"), "type", "size", "chunks", "added"
    )
    for document in _run(tenant, lambda kb: kb.list_documents(tenant)):
        table.add_row(
            document.id,
            escape(document.name),
            document.kind.value,
            f"{document.size_bytes / 1024:,.1f} KB",
            str(document.chunk_count),
            document.added_at.strftime("%Y-%m-%d"),
        )
    out.print(table)


@kb_app.command("delete")
def delete(
    document_id: Annotated[str, typer.Argument(help="Document id (see `harde kb list`).")],
    tenant: TenantOption,
) -> None:
    """Delete a document; it stops being retrieved at once, on every worker."""
    document = _run(tenant, lambda kb: kb.delete_document(tenant, document_id))
    out.print(f"deleted {document.id} ({escape(document.name)})")


@kb_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    tenant: TenantOption,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="How many passages.")] = 5,
) -> None:
    """Show the passages the assistant would retrieve for a question."""
    snippets = _run(tenant, lambda kb: kb.search(tenant, query, k))
    if not snippets:
        out.print("no matching passages")
    for rank, snippet in enumerate(snippets, 1):
        out.print(
            f"[bold]{rank}. {escape(snippet.citation)}[/bold]  (score {snippet.score:.2f})", soft_wrap=True
        )
        out.print(escape(snippet.text), highlight=False, soft_wrap=True)
        out.print()
