"""The README's Python examples run as printed (a broken example is a broken promise)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_readme_example_runs(code, tmp_path):
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]


def test_readme_tables_are_the_registries():
    """Every registry's table (Registry.markdown) stands in the README as printed: no name goes stale."""
    from femngd import LOSSES, MESHES, METRICS, MODELS, OPTIMIZERS, PROBLEMS, RECIPES, SOLVES
    from femngd.optim import STEP_RULES

    text = README.read_text()
    for registry in (PROBLEMS, MESHES, MODELS, LOSSES, METRICS, SOLVES, STEP_RULES, OPTIMIZERS, RECIPES):
        assert registry.markdown() in text, f"README: the {registry.kind} table differs from the registry"


INVERSE_COMMANDS = {
    "femngd inverse --synthetic-eps 0.01 --noise 0.01 --points 100 --seed 0 --json": ("eps_estimate", 0.01, 0.05),
    "femngd inverse --unknown b --synthetic-eps 0.05 --synthetic-angle 30 --noise 0.01 --points 200 --json":
        ("b_angle_estimate", 30.0, 0.02),
}


@pytest.mark.parametrize("command", list(INVERSE_COMMANDS))
def test_readme_inverse_commands_run_as_printed(command, capsys):
    import json
    import shlex

    from femngd.cli import main

    assert command in " ".join(README.read_text().split()), "the README no longer shows this command"
    assert main(shlex.split(command)[1:] + ["--quiet"]) == 0
    key, truth, tolerance = INVERSE_COMMANDS[command]
    out = json.loads(capsys.readouterr().out)
    assert abs(out[key] / truth - 1) < tolerance
