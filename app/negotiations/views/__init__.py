"""The negotiation pages (集体协商), a module a page: the list and the negotiation's own page
(`overview`), the written request (`written_request`: not `request`, which would read as Flask's),
the workflow's triggers (`actions`), representatives, rounds and minutes, wage-grid proposals and
their comparison, and the draft.

Each view loads with the access check (404 when not visible), refuses anyone who takes no part
in what it does (403) before reading a form, calls one operation and redirects. What a user may
do now comes from the machine (`access.allowed_triggers`); a refused action propagates as a
409 (or 403) page with the reason. The blueprint is "negotiations" and each endpoint is named
after its view function, whichever module holds it.
"""

from app.negotiations.views import (  # noqa: F401 (each registers its routes on `bp`)
    actions,
    draft,
    overview,
    proposals,
    representatives,
    rounds,
    written_request,
)
from app.negotiations.views.common import bp

__all__ = ["bp"]
