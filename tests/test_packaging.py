"""What a user's test run shows: the README's test command prints pytest's "N passed" summary."""
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_readme_test_command_is_ci_and_prints_a_summary():
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"].get("addopts", "")
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = next(line for line in ci.splitlines() if "pytest" in line).strip()
    quiet = addopts.split().count("-q") + command.split().count("-q")
    assert quiet <= 1, "pytest -qq hides the 'N passed' summary line"
    assert "pytest -q -p no:cacheprovider tests" in command and "pytest -q" in readme
