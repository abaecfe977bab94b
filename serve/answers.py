"""Answers encoded by msgspec straight from what the route has (a position, a written row), as
the route's documented Pydantic model would render them: the hot routes skip building the model
and FastAPI's validation and encoding of it, which cost more than the rest of a cached read."""

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, get_args

import msgspec
from fastapi import Response
from pydantic import BaseModel, PlainSerializer, WrapSerializer
from pydantic.fields import FieldInfo

from serve.fields import TWO_PLACES, two_places

_encoder = msgspec.json.Encoder()

Field = tuple[str, Callable[[Any], Any] | None]


@cache
def _fields(model: type[BaseModel]) -> tuple[Field, ...]:
    """The model's fields in its order, each with how it is rendered when not as msgspec would
    (Money: two places). TypeError for a model that Pydantic would render otherwise (an alias,
    an excluded field, another serializer), which these answers do not copy."""
    decorators = model.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers:
        raise TypeError(f"{model.__name__} has a serializer of its own")
    fields = []
    for name, field in model.model_fields.items():
        serializers = [
            m for m in _metadata(field) if isinstance(m, PlainSerializer | WrapSerializer)
        ]
        if (
            field.alias not in (None, name)
            or field.exclude
            or serializers not in ([], [TWO_PLACES])
        ):
            raise TypeError(f"{model.__name__}.{name} is not rendered by its name and value")
        fields.append((name, two_places if serializers else None))
    return tuple(fields)


def _metadata(field: FieldInfo) -> list[object]:
    # `Money | None` keeps its serializer inside the union.
    inside = [
        item for kind in get_args(field.annotation) for item in getattr(kind, "__metadata__", ())
    ]
    return [*field.metadata, *inside]


def _rendered(value: object, fields: tuple[Field, ...]) -> dict[str, Any]:
    rendered = {}
    for name, render in fields:
        item = getattr(value, name)
        rendered[name] = item if render is None or item is None else render(item)
    return rendered


def one(value: object, model: type[BaseModel], status_code: int = 200) -> Response:
    """`value`'s attributes as `model` renders them."""
    body = _encoder.encode(_rendered(value, _fields(model)))
    return Response(body, status_code=status_code, media_type="application/json")


def many_encoded(values: Iterable[object], model: type[BaseModel]) -> bytes:
    fields = _fields(model)
    return _encoder.encode([_rendered(value, fields) for value in values])


def encoded(body: bytes) -> Response:
    """An answer encoded before (a replica's copy of one)."""
    return Response(body, media_type="application/json")
