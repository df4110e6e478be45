"""The stepper (进度条) of every workflow page: where a negotiation, a contract, a session or a
motion stands on its workflow's main line of states (DESIGN §6). The `stepper` macro of
templates/_macros.html shows it."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    state: str
    status: str  # done, current, off (current, off the main line) or todo


def stepper(
    line: Sequence[str], state: str, entered: Sequence[str] | None = None, *, resumes: bool = False
) -> list[Step]:
    """Each state of the main `line` done, current or still to do.

    A `state` off the line (a negotiation in dispute, a contract returned) shows as `off` after
    the last main-line state among `entered` (the states the object entered, oldest first), and
    the rest of the line follows when the object `resumes` from there. Without `entered`, such a
    state shows no step of its own: every step is still to do (a cancelled session)."""
    if state in line or entered is None:
        here = line.index(state) if state in line else -1
        return [
            Step(s, "done" if i < here else "current" if i == here else "todo")
            for i, s in enumerate(line)
        ]
    reached = next((s for s in reversed(entered) if s in line), line[0])
    here = line.index(reached)
    rest = [Step(s, "todo") for s in line[here + 1 :]] if resumes else []
    return [Step(s, "done") for s in line[: here + 1]] + [Step(state, "off"), *rest]
