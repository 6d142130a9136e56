"""A query parameter the document gives one value is taken once, or refused.

Starlette keeps every value of a repeated parameter and FastAPI reads the
last one of a scalar, so `?wave=a&wave=b` would silently mean `wave=b`. The
API refuses it instead (422 naming the parameter), as the OpenAPI document
says: one value, not an array. Parameters that are arrays (`kind` of the
audit log) take every value, as before.
"""

from collections import Counter
from collections.abc import Sequence, Set
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def _takes_many(annotation: Any) -> bool:
    """`list[str]`, `list[str] | None`, a set or tuple: an array in the document."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return any(_takes_many(arg) for arg in get_args(annotation))
    kind = origin if origin is not None else annotation  # `list[str]`, or a bare `list`
    return isinstance(kind, type) and issubclass(kind, Sequence | Set) and kind not in (str, bytes)


def _single_valued_of(dependant: Dependant) -> set[str]:
    names = {
        field.alias
        for field in dependant.query_params
        if not _takes_many(field.field_info.annotation)
    }
    for sub in dependant.dependencies:
        names |= _single_valued_of(sub)
    return names


async def refuse_repeated_query_values(request: Request) -> None:
    """Raise the API's 422 for every one-value query parameter given more than once."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    given = Counter(name for name, _ in request.query_params.multi_items())
    if all(count == 1 for count in given.values()):
        return  # the common case: nothing to look up
    single = _single_valued_of(route.dependant)
    repeated = sorted(name for name, count in given.items() if count > 1 and name in single)
    if repeated:
        raise RequestValidationError(
            [
                {
                    "type": "repeated_value",
                    "loc": ("query", name),
                    "msg": f"given {given[name]} times; give it once",
                    "input": request.query_params.getlist(name),
                }
                for name in repeated
            ]
        )
