"""Messages the workflows give in words, kept translatable without importing Flask.

A message is an English template with named values; the application translates the template
(Flask-Babel extracts every string marked with `N_`) and fills in the values.
"""

from dataclasses import dataclass, field


def N_(template: str) -> str:
    """Mark a template for translation; it is translated where it is shown."""
    return template


@dataclass(frozen=True)
class Message:
    template: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.params if self.params else self.template
