"""What every CRM tool is: a name, an LLM-facing description and schema, a tier, and handlers.

Read tools answer at once (``run``). Write and restricted tools work in two steps so the safety
policy can read the change back and wait for a "yes": ``prepare`` resolves names to ids, checks
everything it can and describes the exact change without touching Leap's data; ``execute`` then
performs exactly that (its arguments are what ``prepare`` produced, possibly after a round trip
through Redis) and says how to take it back. ``run_undo`` reverts it later.

Leap's own refusals reach the user as ``ToolError`` sentences (unknown record, archived job,
validation messages). Trouble with the connection itself (bad token, Leap down, rate limit)
stays a ``LeapError`` so callers can say "Leap is not answering" rather than blame the input.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from core.validation import readable_errors
from crm_leap.capabilities import CAPABILITY_OF_TOOL, PROBE_OF, not_available
from crm_leap.client import LeapClient
from crm_leap.company import CompanyDirectory
from crm_leap.errors import (
    ActionNotAvailable,
    LeapArchivedJob,
    LeapEndpointMissing,
    LeapNotFound,
    LeapValidationError,
    ToolError,
    ToolInputError,
)

__all__ = [
    "Args",
    "PreparedWrite",
    "ReadTool",
    "RestrictedTool",
    "Tier",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolInputError",
    "Undo",
    "WriteResult",
    "WriteTool",
]


class Tier(StrEnum):
    READ = "read"
    WRITE = "write"
    RESTRICTED = "restricted"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ToolContext:
    """Everything a handler may use: one tenant's Leap client and company directory, its time zone,
    and the clock that says what "today" and "this week" are (tests fix it; it returns aware times)."""

    tenant_id: str
    leap: LeapClient
    company: CompanyDirectory
    timezone: str
    clock: Callable[[], datetime] = field(default=utc_now)


@dataclass(frozen=True)
class PreparedWrite:
    """The change in one sentence, and the fully resolved arguments that ``execute`` will apply."""

    summary: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Undo:
    """How to revert one change; JSON-serialisable because it waits in Redis for "undo that".

    ``op`` is the name of the tool whose change this reverts.
    """

    op: str
    args: dict[str, Any]
    summary: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Undo:
        return cls(op=str(data["op"]), args=dict(data["args"]), summary=str(data["summary"]))


@dataclass(frozen=True)
class WriteResult:
    result: dict[str, Any]
    undo: Undo | None


class Args(BaseModel):
    """Base for tool arguments: they must fit the schema the tool publishes, nothing laxer.

    Unknown fields are refused so a misspelt argument is not silently lost. Pydantic on its own
    takes more than the published schema allows: ``null`` for an optional argument (the schema
    shows it as a plain type), ``0`` or ``"yes"`` for a boolean, a number for a date. So each
    argument given is first held to the JSON type its published schema names; pydantic's own
    checks then cover the rest (bounds, formats, enums), which the schema was generated from.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _published_type(cls, value: Any, info: ValidationInfo) -> Any:
        published = _compact_schema_of(cls).get("properties", {}).get(info.field_name, {})
        if not _fits(value, published):
            raise ValueError(f"must be {_type_names(published)}, not {_json_type(value)}")
        return value


ArgsT = TypeVar("ArgsT", bound=Args)
ResolvedT = TypeVar("ResolvedT", bound=BaseModel)


class Tool(ABC, Generic[ArgsT]):
    """Shared by all tiers: identity, schema and argument checking."""

    name: str
    description: str
    area: str
    tier: Tier
    args_model: type[ArgsT]

    def json_schema(self) -> dict[str, Any]:
        """The arguments' JSON schema, compact for an LLM: no titles, no ``$defs``, no null unions.

        Pydantic builds it in about half a millisecond per tool, and every call start asks for all
        of them, so it is built once per model; each caller gets its own copy to change freely."""
        return copy.deepcopy(_compact_schema_of(self.args_model))

    def parse(self, args: Mapping[str, Any] | ArgsT) -> ArgsT:
        if isinstance(args, self.args_model):
            return args
        try:
            return self.args_model.model_validate(dict(args))
        except ValidationError as error:
            raise ToolInputError(describe_invalid(self.name, error)) from None

    def __repr__(self) -> str:
        return f"<{self.tier} tool {self.name}>"


class ReadTool(Tool[ArgsT]):
    tier = Tier.READ

    async def run(self, ctx: ToolContext, args: Mapping[str, Any] | ArgsT) -> dict[str, Any]:
        """Check the arguments and answer with compact JSON."""
        parsed = self.parse(args)
        with leap_refusals_as_tool_errors(self.name):
            return await self.handle(ctx, parsed)

    @abstractmethod
    async def handle(self, ctx: ToolContext, args: ArgsT) -> dict[str, Any]: ...


class WriteTool(Tool[ArgsT], Generic[ArgsT, ResolvedT]):
    tier = Tier.WRITE
    resolved_model: type[ResolvedT]

    async def prepare(self, ctx: ToolContext, args: Mapping[str, Any] | ArgsT) -> PreparedWrite:
        """Resolve and check; describe the exact change. Reads Leap at most, never changes it."""
        parsed = self.parse(args)
        with leap_refusals_as_tool_errors(self.name):
            summary, resolved = await self.plan(ctx, parsed)
        return PreparedWrite(summary=summary, args=resolved.model_dump(mode="json"))

    async def execute(self, ctx: ToolContext, resolved_args: Mapping[str, Any]) -> WriteResult:
        """Apply what ``prepare`` resolved."""
        try:
            resolved = self.resolved_model.model_validate(dict(resolved_args))
        except ValidationError as error:
            raise ToolInputError(describe_invalid(self.name, error)) from None
        with leap_refusals_as_tool_errors(self.name):
            return await self.apply(ctx, resolved)

    async def undo(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        """Revert a change this tool made (``Undo.args``); returns what was done, for the user."""
        with leap_refusals_as_tool_errors(None):  # an undo's endpoint is not the tool's own
            return await self.revert(ctx, args)

    async def revert(self, ctx: ToolContext, args: Mapping[str, Any]) -> str:
        """Tools whose changes can be taken back override this."""
        raise ToolError(f"{self.name} changes cannot be undone.")

    @abstractmethod
    async def plan(self, ctx: ToolContext, args: ArgsT) -> tuple[str, ResolvedT]: ...

    @abstractmethod
    async def apply(self, ctx: ToolContext, resolved: ResolvedT) -> WriteResult: ...


class RestrictedTool(WriteTool[ArgsT, ResolvedT]):
    """Money movement and destructive actions: same two steps, but never run from a conversation."""

    tier = Tier.RESTRICTED


@contextlib.contextmanager
def leap_refusals_as_tool_errors(tool: str | None) -> Iterator[None]:
    """Turn Leap's refusals of this request into sentences for the user. ``tool``: the tool whose
    own endpoint is being called, so a missing unpublished one is said plainly (``ActionNotAvailable``)."""
    try:
        yield
    except LeapArchivedJob:
        raise ToolError(
            "That job is archived in Leap. It has to be restored in Leap before it can be used."
        ) from None
    except LeapNotFound as error:
        raise ToolError(f"Leap has no such record ({error.message}).") from None
    except LeapValidationError as error:
        raise ToolError(f"Leap refused that: {error}") from None
    except LeapEndpointMissing as error:
        probe = PROBE_OF.get(CAPABILITY_OF_TOOL[tool]) if tool in CAPABILITY_OF_TOOL else None
        if tool is not None and probe is not None and not probe.published:
            raise ActionNotAvailable(not_available(tool), tool=tool) from None
        raise ToolError(f"This Leap account cannot do that through its API: {error.message}.") from None


def describe_invalid(tool: str, error: ValidationError) -> str:
    return f"Invalid arguments for {tool}: {readable_errors(error)}"


@functools.cache
def _compact_schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return compact_schema(model.model_json_schema())


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "null": (type(None),),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "array": (list, tuple),
    "object": (dict,),
}


def _json_type(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if isinstance(value, _JSON_TYPES[name]):
            return name
    return type(value).__name__


def _declared_types(node: Mapping[str, Any]) -> list[str]:
    """The JSON types a schema node allows (empty: it does not say)."""
    if "anyOf" in node:
        return [kind for variant in node["anyOf"] for kind in _declared_types(variant)]
    declared = node.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def _fits(value: Any, node: Mapping[str, Any]) -> bool:
    declared = _declared_types(node)
    actual = _json_type(value)
    return not declared or actual in declared or (actual == "integer" and "number" in declared)


_TYPE_NAMES = {
    "null": "null",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "array": "a list",
    "object": "an object",
}
_FORMAT_NAMES = {"date": "a date string (YYYY-MM-DD)", "date-time": "a date-time string (2026-06-02T14:00)"}


def _type_names(node: Mapping[str, Any]) -> str:
    """What a schema node asks for, in words: ``a whole number``, ``a date string (YYYY-MM-DD)``."""
    if node.get("format") in _FORMAT_NAMES:
        return _FORMAT_NAMES[node["format"]]
    return " or ".join(_TYPE_NAMES.get(kind, kind) for kind in _declared_types(node))


def compact_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Inline ``$ref``s, drop titles and ``None`` defaults, and turn ``X | None`` into plain ``X``."""
    definitions = schema.get("$defs", {})

    def clean(node: Any) -> Any:
        if isinstance(node, list):
            return [clean(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        if "$ref" in node:
            target = definitions[str(node["$ref"]).rsplit("/", 1)[-1]]
            return clean({**target, **{key: value for key, value in node.items() if key != "$ref"}})
        variants = node.get("anyOf")
        if isinstance(variants, list):
            concrete = [variant for variant in variants if variant != {"type": "null"}]
            if len(concrete) == 1 and len(concrete) < len(variants):
                merged = {**concrete[0], **{k: v for k, v in node.items() if k != "anyOf"}}
                return clean(merged)
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("title", "$defs") or (key == "default" and value is None):
                continue
            if key == "properties":
                result[key] = {name: clean(prop) for name, prop in value.items()}
            else:
                result[key] = clean(value)
        return result

    cleaned: dict[str, Any] = clean(schema)
    return cleaned
