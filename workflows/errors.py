"""Errors raised by the workflows; the application turns them into 409 Conflict, or 403
Forbidden for a role that may not act."""

from workflows.messages import Message


class WorkflowError(Exception):
    """An error whose words are a translatable message."""

    def __init__(self, template: str, **params):
        self.message = Message(template, params)
        super().__init__(str(self.message))


class TransitionNotAllowed(WorkflowError):
    """A trigger that is not allowed now, with the reason in words."""


class RoleNotAllowed(WorkflowError):
    """An action none of the person's roles may take (the application answers 403)."""


class CalendarNotCovered(WorkflowError):
    """A date in a year for which no holiday schedule is known."""
