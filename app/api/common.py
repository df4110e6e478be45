"""Helpers every API module uses: loading path objects with their access check, and documenting
the error answers."""

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from flask_login import current_user
from flask_smorest import Blueprint as SmorestBlueprint


class Blueprint(SmorestBlueprint):
    """flask-smorest's, but a JSON body also documents the 400 a malformed one gets (webargs
    answers it before the schema's 422)."""

    def arguments(self, schema, *, location="json", **kwargs):
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse
        return lambda view: self.alt_response(400, response="BAD_REQUEST")(parse(view))


def loader(param: str, name: str, load: Callable, scope: Callable = lambda obj: obj):
    """A decorator factory: the view gets the object `load` finds for the path's `param` as
    `name` (404 when missing or not visible), after each check has run on `scope(object)`
    (403). Placed above `@blp.arguments`, it answers before the body is validated."""

    def loaded(*checks: Callable):
        def decorator(view):
            @wraps(view)
            def wrapped(*args, **kwargs):
                obj = load(kwargs.pop(param), current_user)
                for check in checks:
                    check(scope(obj))
                kwargs[name] = obj
                return view(*args, **kwargs)

            return wrapped

        return decorator

    return loaded


def error_responses(blp) -> Callable:
    """`fails_with(403, 404)` for `blp`: documents the answers besides 401 and 422."""

    def fails_with(*codes: int):
        def decorator(view):
            for code in codes:
                view = blp.alt_response(code, response=HTTPStatus(code).name)(view)
            return view

        return decorator

    return fails_with
