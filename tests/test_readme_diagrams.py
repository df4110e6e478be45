"""The README's state diagrams are the output of `flask accord diagram`, kept equal by this test."""

import re
from pathlib import Path

import pytest

from app.cli import WORKFLOWS

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_diagram(workflow: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- diagram:{workflow} -->\n```mermaid\n(.*?)```", text, re.S)
    assert match, f"README has no diagram for {workflow}; paste `flask accord diagram {workflow}`"
    return match.group(1)


@pytest.mark.parametrize("workflow", sorted(WORKFLOWS))
def test_readme_diagram_equals_the_generated_one(app, workflow):
    result = app.test_cli_runner().invoke(args=["accord", "diagram", workflow])
    assert result.exit_code == 0, result.output
    assert result.output == readme_diagram(workflow), (
        f"regenerate it: flask accord diagram {workflow}"
    )
