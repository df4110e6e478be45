"""What a request may carry, on every backend (issue 6): strings without NUL, which PostgreSQL
cannot store, and ids an INTEGER column holds. Beyond either the answer is a 422 naming the
field or a 404, never a 500 from the driver."""

import marshmallow as ma
import pytest

from app.db import INTEGER_MAX
from app.schemas import Text
from tests.api.test_negotiations_api import REQUEST
from tests.fixtures.api import error


def _schema_classes(cls=ma.Schema):
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("app."):
            yield sub
        yield from _schema_classes(sub)


def _strings(field: ma.fields.Field):
    """The string fields in `field`, itself or inside a list or a dict."""
    if isinstance(field, ma.fields.String):
        yield field
    elif isinstance(field, ma.fields.List):
        yield from _strings(field.inner)
    elif isinstance(field, ma.fields.Dict):
        yield from (s for f in (field.key_field, field.value_field) if f for s in _strings(f))


def test_every_string_an_api_schema_takes_is_text(app):  # the app has imported every schema
    classes = set(_schema_classes())
    loose = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in classes
        for name, field in cls._declared_fields.items()
        for string in _strings(field)
        # An email address's pattern refuses a NUL already.
        if not string.dump_only and not isinstance(string, Text | ma.fields.Email)
    ]
    assert len(classes) > 40 and not loose


def test_a_nul_character_is_422_naming_the_field(world, api):
    response = api(world.union_chief).post(
        f"/enterprises/{world.enterprise.id}/negotiations",
        {**REQUEST, "subject": "能级\x00工资", "proposed_place": "\x00"},
    )
    details = error(response, 422)["details"]
    assert set(details) == {"subject", "proposed_place"}
    assert details["subject"] == ["Must not contain the NUL character (U+0000)."]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/negotiations/{id}"),
        ("DELETE", "/items/{id}"),  # a path with other methods too: still 404, not 405
        ("GET", "/enterprises/{id}/negotiations"),
    ],
)
@pytest.mark.parametrize("id_", [INTEGER_MAX, INTEGER_MAX + 1, 10**30])
def test_an_id_no_integer_column_holds_is_404(world, api, method, path, id_):
    response = api(world.union_chief).call(method, path.format(id=id_))
    assert error(response, 404)["code"] == "not_found"


def test_the_openapi_document_bounds_every_path_id(client):
    spec = client.get("/api/v1/openapi.json").json
    bounds = {
        (parameter["name"], parameter["schema"].get("maximum"))
        for item in spec["paths"].values()
        for parameter in item.get("parameters", [])
        if parameter["schema"]["type"] == "integer"
    }
    assert bounds and {maximum for _name, maximum in bounds} == {INTEGER_MAX}
