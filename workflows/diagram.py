"""State diagrams (状态图) drawn from a workflow's machine, so a drawing never drifts from it."""

from transitions import Machine


def mermaid(machine: Machine) -> str:
    """The machine as a Mermaid `stateDiagram-v2`.

    Lines follow the machine's order of states and then of triggers: the initial state, every
    (source, dest, trigger) once — an internal transition as a loop on its source — and `--> [*]`
    for each state with no way out. No trailing newline: `click.echo` adds one.
    """
    lines = ["stateDiagram-v2"]
    if machine.initial is not None:
        lines.append(f"    [*] --> {machine.initial}")
    seen = set()
    for state in machine.states:
        for trigger, event in machine.events.items():
            for transition in event.transitions.get(state, []):
                edge = (state, transition.dest or state, trigger)
                if edge not in seen:
                    seen.add(edge)
                    lines.append("    {} --> {}: {}".format(*edge))
    sources = {source for event in machine.events.values() for source in event.transitions}
    lines += [f"    {state} --> [*]" for state in machine.states if state not in sources]
    return "\n".join(lines)
