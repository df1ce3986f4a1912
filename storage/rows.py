"""Models to rows and back.

In the file: datetimes are ISO-8601 UTC text of fixed width (so text order is
time order and `<=` in SQL compares times), lists and dicts are JSON text,
bools are 0/1. Read back: datetimes are timezone-aware UTC, JSON is parsed.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from bot.clock import utc

M = TypeVar("M", bound=BaseModel)


def iso(value: datetime) -> str:
    """`value` as fixed-width ISO-8601 UTC text: `2026-11-30T10:00:00.000000+00:00`."""
    return utc(value).isoformat(timespec="microseconds")


def iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


def parse_iso(text: str) -> datetime:
    """Stored text back to an aware UTC datetime (naive text is taken to be UTC)."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_json(value: Any) -> str:
    """A list or dict (possibly holding models or datetimes) as JSON text."""
    return json.dumps(to_jsonable_python(value), ensure_ascii=False, separators=(",", ":"))


def to_column(value: Any) -> Any:
    """One model value as the value SQLite stores."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, (dict, list, tuple)):
        return to_json(value)
    return value


def to_row(model: BaseModel, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """`model` as a row dict, one column per field (minus `exclude`)."""
    data = dict(model)
    for name in exclude:
        data.pop(name, None)
    return {name: to_column(value) for name, value in data.items()}


def _base_types(annotation: Any) -> set[Any]:
    """The types an annotation allows, with `X | None` unwrapped."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        found: set[Any] = set()
        for arg in typing.get_args(annotation):
            found |= _base_types(arg)
        return found
    return {origin or annotation}


@cache
def _field_kinds(model: type[BaseModel]) -> tuple[frozenset[str], frozenset[str]]:
    """(JSON fields, datetime fields) of a model class."""
    json_fields: set[str] = set()
    datetime_fields: set[str] = set()
    for name, field in model.model_fields.items():
        kinds = _base_types(field.annotation)
        if kinds & {dict, list}:
            json_fields.add(name)
        if datetime in kinds:
            datetime_fields.add(name)
    return frozenset(json_fields), frozenset(datetime_fields)


def from_row(model: type[M], row: Mapping[str, Any]) -> M:
    """A row dict back to `model`; columns the model lacks are ignored."""
    json_fields, datetime_fields = _field_kinds(model)
    data = dict(row)
    for name in json_fields:
        if isinstance(data.get(name), str):
            data[name] = json.loads(data[name])
    for name in datetime_fields:
        if isinstance(data.get(name), str):
            data[name] = parse_iso(data[name])
    return model.model_validate(data)


def from_rows(model: type[M], rows: Iterable[Mapping[str, Any]]) -> list[M]:
    return [from_row(model, row) for row in rows]
