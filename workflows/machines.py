"""The rulebook's one shape: a `Workflow` per kind of object, holding its state machine, who may
fire each trigger from each state, and its activities — actions that change no state but are
allowed only in some states, to some roles (propose a grid, write the minutes, check in, vote,
renew). It answers, purely, "which actions may these roles take on an object in this state, and if
not, why"; the application computes the roles of a person and asks it, in one place per domain
(its `access.py`), for the page, the API and the operation alike.

A transition row is what the `transitions` library reads plus a "roles" entry; an `Activity` is
declared beside them, with the states it is open in and the refusal that names its rule."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from transitions import Machine
from transitions.core import EventData, MachineError

from workflows.errors import RoleNotAllowed, TransitionNotAllowed
from workflows.messages import N_

# The refusal when a trigger is valid now but none of the person's roles may fire it.
NOT_YOURS = N_("You may not %(action)s.")


@dataclass(frozen=True)
class Activity:
    """An action that changes no state: open in `states`, to `roles`. `refusal` names the rule
    when the person holds none of the roles (one sentence, in the application's words)."""

    name: str
    states: frozenset[str]
    roles: frozenset[str]
    label: str
    refusal: str = NOT_YOURS
    not_now: str | None = None  # the refusal in another state, if not the workflow's own
    # Checks on the object's data, each raising TransitionNotAllowed with its reason; called
    # with the keyword arguments given to `check`.
    guards: tuple[Callable[..., None], ...] = ()


def arg(event: EventData, name: str):
    """A keyword argument a guard needs; leaving it out is a programming error, not a 409."""
    try:
        return event.kwargs[name]
    except KeyError:
        raise TypeError(f"{event.event.name} needs the keyword argument {name!r}") from None


def _sources(row: dict) -> list[str]:
    return row["source"] if isinstance(row["source"], list) else [row["source"]]


class Workflow:
    """One kind of object's machine and rules. `states` is its StrEnum; the object keeps the
    state in its `state` attribute. `not_now` is the refusal of an action in the wrong state,
    with %(action)s and %(state)s."""

    def __init__(
        self,
        noun: str,
        states: type[StrEnum],
        transitions: Iterable[dict],
        *,
        not_now: str,
        state_labels: Mapping[str, str],
        action_labels: Mapping[str, str],
        activities: Iterable[Activity] = (),
        initial: str | None = None,
    ):
        self.noun = noun
        self.not_now = not_now
        self.transitions = list(transitions)
        self.state_labels = dict(state_labels)
        self.activities = {a.name: a for a in activities}
        self.action_labels = {
            **action_labels,
            **{a.name: a.label for a in self.activities.values()},
        }
        self.machine = Machine(
            model=None,
            states=[s.value for s in states],
            transitions=[{k: v for k, v in r.items() if k != "roles"} for r in self.transitions],
            initial=initial or next(iter(states)).value,
            auto_transitions=False,
            send_event=True,
        )
        # (trigger, source state) → the roles that may fire it from there.
        self._roles = {
            (row["trigger"], source): row["roles"]
            for row in self.transitions
            for source in _sources(row)
        }
        for activity in self.activities.values():
            for state in activity.states:
                self._roles[(activity.name, states(state).value)] = activity.roles
        self.triggers = list(dict.fromkeys(row["trigger"] for row in self.transitions))
        # Everyone who may take each action from some state, in the rows' order.
        self.roles_for_action = {
            action: frozenset().union(*(r for (a, _), r in self._roles.items() if a == action))
            for action in [*self.triggers, *self.activities]
        }
        unlabelled = set(self.roles_for_action) - set(self.action_labels)
        if unlabelled:
            raise ValueError(f"{noun}: actions without a label: {sorted(unlabelled)}")

    def __contains__(self, action: str) -> bool:
        return action in self.roles_for_action

    def roles_for(self, action: str, state: str) -> frozenset[str]:
        """The roles that may take `action` in `state` (empty when it is not open there)."""
        return self._roles.get((action, str(state)), frozenset())

    def is_open(self, action: str, state: str) -> bool:
        """Whether `action` can be taken in `state` at all (a valid trigger, an open activity)."""
        if action in self.activities:
            return state in self.activities[action].states
        return action in self.machine.get_triggers(str(state))

    def allowed(self, state: str, roles: Iterable[str]) -> list[str]:
        """The actions open in `state` that one of `roles` may take: the triggers in the order of
        the transitions, then the activities. Guards are not evaluated: an allowed trigger may
        still be refused with its reason."""
        roles = set(roles)
        return [
            action
            for action in [*self.machine.get_triggers(str(state)), *self.activities]
            if self.roles_for(action, state) & roles
        ]

    def allowed_triggers(self, state: str, roles: Iterable[str]) -> list[str]:
        return [a for a in self.allowed(state, roles) if a not in self.activities]

    def may(self, action: str, state: str, roles: Iterable[str]) -> bool:
        return bool(self.roles_for(action, state) & set(roles))

    def check(self, action: str, state: str, roles: Iterable[str], **data) -> None:
        """Raise why these roles may not take `action` now: RoleNotAllowed when none of them may
        (whatever the state; 403), TransitionNotAllowed when it is theirs but not in this state
        (409), or an activity's guard refuses on `data`. A trigger's guards are the machine's,
        checked when it fires."""
        roles = set(roles)
        self.check_role(action, roles)
        if not self.is_open(action, state):
            raise self._not_now(action, state)
        if not self.roles_for(action, state) & roles:
            raise RoleNotAllowed(self._refusal(action), action=self.action_labels[action])
        if action in self.activities:
            for guard in self.activities[action].guards:
                guard(**data)

    def permits(self, action: str, state: str, roles: Iterable[str], **data) -> bool:
        """Whether `check` would let these roles take `action` now."""
        try:
            self.check(action, state, roles, **data)
        except (RoleNotAllowed, TransitionNotAllowed):
            return False
        return True

    def check_role(self, action: str, roles: Iterable[str]) -> None:
        """Raise RoleNotAllowed when none of `roles` takes `action` in any state."""
        if action not in self:
            raise ValueError(f"unknown {self.noun} action: {action!r}")
        if not self.roles_for_action[action] & set(roles):
            raise RoleNotAllowed(self._refusal(action), action=self.action_labels[action])

    def _refusal(self, action: str) -> str:
        activity = self.activities.get(action)
        return activity.refusal if activity else NOT_YOURS

    def _not_now(self, action: str, state: str) -> TransitionNotAllowed:
        activity = self.activities.get(action)
        if activity is not None and activity.not_now:
            return TransitionNotAllowed(activity.not_now)
        return TransitionNotAllowed(
            self.not_now, action=self.action_labels[action], state=self.state_labels[state]
        )

    def fire(self, obj, trigger: str, **kwargs) -> None:
        """Fire `trigger` on `obj` (anything with a `state` attribute). When the trigger is not
        valid in the state or a guard fails, the state is unchanged and TransitionNotAllowed
        says why (a guard's own words, or the state's). An unknown trigger is a ValueError."""
        if trigger not in self.machine.events:
            raise ValueError(f"unknown {self.noun} trigger: {trigger!r}")
        obj.state = str(obj.state)  # the machine knows the states by their values
        try:
            self.machine.events[trigger].trigger(obj, **kwargs)
        except MachineError:
            raise self._not_now(trigger, obj.state) from None
