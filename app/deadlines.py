"""Deadlines on the calendar (期限) and the provisional ones (暂定期限) (DESIGN §3).

A deadline lives in a date column of its object (`Negotiation.response_due`, …) beside a
`<column>_provisional` flag. `set_deadline` writes both from a `workflows.calendar.Due`; when the
count read a year whose official holiday schedule is not known yet, it also keeps how the deadline
was counted (`ProvisionalDeadline`), and `recount` counts it again once that year's schedule
arrives — entered by the federation administrator or brought by a newer calendar package. Each
deadline that moves is audited (old → new) and its parties are told; one that would move into
the past is due on the day of the recount instead, and they are told that too. Nothing moves
silently, and nothing is refused for want of a notice.

Each domain declares its deadlines with `declare` (the label, whether it still runs, its people);
this module knows no domain. Which deadlines run now is the rules' (`workflows.rules`); a page
shows them with `countdown`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.audit.operations import record
from app.errors import translate
from app.extensions import db
from app.orgs.models import ProvisionalDeadline
from workflows import calendar, rules
from workflows.calendar import Due

log = logging.getLogger("accord.deadlines")


@dataclass(frozen=True)
class Kind:
    """One kind of deadline: a date column of a model, and what the recount needs to know."""

    model: type
    field: str
    label: str  # a msgid (N_), translated where it is shown
    running: Callable[[Any], bool]  # whether it still runs (a passed stage's deadline does not)
    subject: Callable[[Any], Any]  # what the audit event and the notification are about
    people: Callable[[Any], list]  # whom a move concerns
    notify: Callable[..., None]  # the domain's notify(users, kind, subject, **params)
    # The reminder or overdue flag set when the deadline fired; cleared when a move puts the
    # deadline ahead again, so that it fires on its new day.
    flag: str | None = None
    fires_on_the_day: bool = False  # a reminder on the last day, not an overdue flag after it


KINDS: dict[tuple[str, str], Kind] = {}


def declare(model: type, field: str, **hooks) -> None:
    KINDS[(model.__tablename__, field)] = Kind(model, field, **hooks)


def set_deadline(obj, field: str, due: Due) -> None:
    """Give `obj` its deadline `field`, flagged provisional when it was counted on a provisional
    year, and keep how it was counted for as long as it is."""
    was_provisional = getattr(obj, f"{field}_provisional", False)
    setattr(obj, field, due.on)
    setattr(obj, f"{field}_provisional", due.provisional)
    if not (due.provisional or was_provisional):
        return  # a basis is kept exactly while the flag is set: there is none to drop
    db.session.flush()  # a new object needs its id
    key = {"subject_type": obj.__tablename__, "subject_id": obj.id, "field": field}
    row = db.session.scalar(select(ProvisionalDeadline).filter_by(**key))
    if not due.provisional:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = ProvisionalDeadline(**key)
        db.session.add(row)
    row.start_on, row.days, row.counting = due.start, due.days, due.counting
    row.due_on, row.provisional_year = due.on, due.provisional_year


def provisional_date(day: str) -> str:
    """A date in words, marked provisional with the one-line reason."""
    return _(
        "%(date)s (provisional: counted on the statutory holidays; counted again automatically "
        "once the State Council publishes that year's schedule)",
        date=day,
    )


def due_text(obj, field: str) -> str:
    """The deadline `field` of `obj` as a date in words, marked when provisional."""
    day = getattr(obj, field).isoformat()
    return provisional_date(day) if getattr(obj, f"{field}_provisional", False) else day


def due_params(obj, field: str, name: str = "due") -> dict:
    """A notification's `due` parameter, marked provisional when it is."""
    params = {name: getattr(obj, field).isoformat()}
    if getattr(obj, f"{field}_provisional", False):
        params["provisional"] = [name]
    return params


def due_day(obj, field: str) -> rules.DueDay:
    """The deadline `field` of `obj` as the rules read it: its day, and whether provisional."""
    return rules.DueDay(getattr(obj, field), getattr(obj, f"{field}_provisional", False))


@dataclass(frozen=True)
class Countdown:
    """A running deadline as a page shows it: in the reader's words, with the days left."""

    label: str
    due: date
    days_left: int  # negative when overdue
    article: str
    provisional: bool = False

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def countdown(deadlines: list[rules.Deadline], today: date) -> list[Countdown]:
    """The deadlines of `workflows.rules` in the reader's language, counting down from `today`."""
    return [
        Countdown(
            translate(d.label), d.due, calendar.days_left(today, d.due), d.article, d.provisional
        )
        for d in deadlines
    ]


@dataclass(frozen=True)
class Moved:
    """A deadline the recount moved."""

    kind: Kind
    obj: Any
    old: date
    counted: date  # what the official schedule gives
    due: date  # what is in effect: `counted`, or the day of the recount if that has passed


def recount(today: date | None = None, actor=None) -> list[Moved]:
    """Count again every running provisional deadline whose provisional year now has its
    official schedule; flushes, never commits."""
    today = today or clock.today()
    rows = db.session.scalars(
        select(ProvisionalDeadline)
        .where(ProvisionalDeadline.provisional_year <= calendar.last_official_year())
        .order_by(ProvisionalDeadline.id)
    ).all()
    moved = []
    for row in rows:
        if calendar.is_provisional(row.provisional_year):
            continue  # a later year was entered before this one (published with a gap)
        kind = KINDS.get((row.subject_type, row.field))
        obj = kind and db.session.get(
            kind.model, row.subject_id, with_for_update=True, populate_existing=True
        )
        # Read again under the lock: a tick on another server may have counted it meanwhile.
        row = db.session.get(ProvisionalDeadline, row.id, populate_existing=True)
        if row is None:
            continue
        if obj is None or not kind.running(obj):
            db.session.delete(row)  # its stage has passed: nothing to count any more
            continue
        change = _recount_one(kind, obj, row, today, actor)
        if change is not None:
            moved.append(change)
    db.session.flush()
    return moved


def _recount_one(kind: Kind, obj, row: ProvisionalDeadline, today: date, actor) -> Moved | None:
    due = calendar.count(row.start_on, row.days, row.counting)
    old = getattr(obj, kind.field)
    # A deadline still ahead that turns out to have passed is due today, not fired behind anyone's
    # back as if it had passed unnoticed; one that had passed already keeps its official day.
    in_effect = today if due.on < today <= old else due.on
    set_deadline(obj, kind.field, replace(due, on=in_effect))
    if in_effect == old:
        return None
    if kind.flag and (in_effect > today or (in_effect == today and not kind.fires_on_the_day)):
        setattr(obj, kind.flag, None)
    subject = kind.subject(obj)
    data = {
        "deadline": kind.field,
        "from": old.isoformat(),
        "to": in_effect.isoformat(),
        "counted": due.on.isoformat(),
        "provisional": due.provisional,
    }
    record(subject, "deadline_recounted", actor, data=data)
    log.info("%s %s of %s moved %s → %s", kind.model.__name__, kind.field, obj.id, old, in_effect)
    params = {
        "deadline": kind.label,
        "old": old.isoformat(),
        "new": in_effect.isoformat(),
        "translate": ["deadline"],
    }
    if due.provisional:
        params["provisional"] = ["new"]
    if in_effect != due.on:
        params["counted"] = due.on.isoformat()
        kind.notify(kind.people(obj), "deadline_moved_past", subject, **params)
    else:
        kind.notify(kind.people(obj), "deadline_moved", subject, **params)
    return Moved(kind, obj, old, due.on, in_effect)
