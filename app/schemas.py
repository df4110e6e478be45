"""Schema fields shared by the API's domains."""

import marshmallow as ma
from flask_babel import gettext as _


class Text(ma.fields.String):
    """A string without the NUL character, which PostgreSQL refuses to store (a 500 where a 422
    naming the field is due). Every string field of the API's schemas is one."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ma.ValidationError(_("Must not contain the NUL character (U+0000)."))
        return text
