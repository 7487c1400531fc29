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
