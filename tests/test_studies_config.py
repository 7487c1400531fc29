"""Study configs: loading (dict/TOML/JSON), defaults, one-line errors naming the key, CLI exit 2."""
from __future__ import annotations

import copy
import tomllib
from pathlib import Path
import json

import pytest

from femngd.cli import main
from femngd.studies import expand, load_config

BASE = {
    "study": "sweep",
    "eps": [0.1, 0.01],
    "mesh": {"n": 16},
    "references": ["galerkin", "supg"],
    "trained": [{"label": "GD", "model": "fe", "optimizer": "ngd"}],
}

TOML = """
study = "convergence"
name = "conv"
eps = [0.5]
seeds = [0, 1]
references = ["galerkin"]
[mesh]
n = [8, 16]
degree = 2
[[trained]]
label = "NGD"
model = "fe"
optimizer = "ngd"
optimizer_options = {lr = 0.5}
"""


def with_change(path: str, value) -> dict:
    """BASE with one nested key (dotted path, list indices as ints) replaced or deleted."""
    cfg = copy.deepcopy(BASE)
    *head, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = cfg
    for p in head:
        target = target[p]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return cfg


def test_defaults_filled_and_expand_counts():
    cfg = load_config(BASE)
    assert cfg["seeds"] == [0] and cfg["mesh"] == {"kind": "uniform", "n": 16, "degree": 1}
    assert cfg["trained"][0]["iterations"] == 100 and cfg["trained"][0]["kind"] == "trained"
    specs = expand(load_config(dict(BASE, seeds=[1, 2, 3])))
    assert len(specs) == 2 * (2 + 3)  # ε × (references + trained × seeds)
    assert sorted({s["eps"] for s in specs}) == [0.01, 0.1]
    assert [s["seed"] for s in specs if s["kind"] == "trained"] == [1, 2, 3, 1, 2, 3]


def test_toml_and_json_files_give_the_same_config(tmp_path):
    toml_path = tmp_path / "c.toml"
    toml_path.write_text(TOML)
    cfg = load_config(toml_path)
    assert cfg["mesh"]["n"] == [8, 16] and cfg["trained"][0]["optimizer_options"] == {"lr": 0.5}
    json_path = tmp_path / "c.json"
    json_path.write_text(json.dumps(cfg))
    assert load_config(json_path) == cfg
    assert len(expand(cfg)) == 2 * (1 + 2)


@pytest.mark.parametrize("path, value, key", [
    ("colour", 1, "colour"),
    ("eps.1", -0.01, "eps[1]"),
    ("eps.0", 0.0, "eps[0]"),
    ("eps", [], "eps"),
    ("eps", "0.1", "eps"),
    ("eps.0", True, "eps[0]"),
    ("mesh.n", 1.5, "mesh.n"),
    ("mesh.n", KeyError, "mesh.n"),
    ("mesh.shape", "tri", "mesh.shape"),
    ("mesh.degree", 3, "mesh.degree"),
    ("study", "race", "study"),
    ("references", ["fdm"], "references[0]"),
    ("trained.0.optimzer", "ngd", "trained[0].optimzer"),
    ("trained.0.iterations", 0, "trained[0].iterations"),
    ("trained.0.optimizer_options", [1], "trained[0].optimizer_options"),
    ("trained.0.label", KeyError, "trained[0].label"),
    ("trained.0.label", "galerkin", "trained"),
    ("eps", KeyError, "eps"),
])
def test_bad_config_one_line_error_naming_the_key(path, value, key):
    with pytest.raises(ValueError) as info:
        load_config(with_change(path, value))
    message = str(info.value)
    assert message.startswith(f"{key}:"), message
    assert "\n" not in message


def test_convergence_needs_a_list_of_sizes():
    with pytest.raises(ValueError, match=r"^mesh\.n\[0\]: must be an integer"):
        load_config(dict(BASE, study="convergence", mesh={"n": ["8", 16]}))
    with pytest.raises(ValueError, match=r"^mesh\.n: a convergence study needs at least 2"):
        load_config(dict(BASE, study="convergence", mesh={"n": [8]}))


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(ValueError, match=r"^config: cannot read"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("study = [\n")
    with pytest.raises(ValueError, match=r"^config: invalid TOML") as info:
        load_config(bad)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text, key", [
    ('study = "sweep"\neps = [-1.0]\nreferences = ["galerkin"]\n[mesh]\nn = 8\n', "eps[0]"),
    ('study = "sweep"\neps = [0.1]\nfoo = 1\nreferences = ["galerkin"]\n[mesh]\nn = 8\n', "foo"),
])
def test_cli_bad_config_exit_code_2(tmp_path, capsys, text, key):
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert main(["study", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"femngd: error: {key}:") and "\n" not in err
    assert not (tmp_path / "out").exists()
    assert main(["study", str(tmp_path / "nope.toml")]) == 2
    assert "config: cannot read" in capsys.readouterr().err


def test_cli_bad_options_exit_code_2(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(BASE))
    assert main(["study", str(path), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "workers:" in capsys.readouterr().err
    assert main(["study", str(path), "--executor", "dask", "--out", str(tmp_path / "o")]) == 2
    assert "scheduler:" in capsys.readouterr().err


def test_shipped_example_configs_are_valid():
    from pathlib import Path

    paths = sorted((Path(__file__).parents[1] / "scripts" / "configs").glob("*.toml"))
    assert len(paths) >= 3
    studies = {load_config(p)["study"] for p in paths}
    assert studies == {"sweep", "convergence", "comparison"}


def test_stop_on_and_meter_every_reach_the_run():
    """A run stops on the configured history entry (here an error, not the loss)."""
    from femngd.studies.runs import run_spec

    trained = {"label": "NGD", "model": "fe", "loss": "l2", "optimizer": "ngd", "optimizer_options": {"lr": 0.5},
               "iterations": 200, "tol": 1e-3, "stop_on": "relative_l2_error_galerkin", "meter_every": 2}
    spec = [s for s in expand(load_config(dict(BASE, eps=[0.5], trained=[trained]))) if s["kind"] == "trained"][0]
    assert spec["stop_on"] == "relative_l2_error_galerkin" and spec["meter_every"] == 2
    record = run_spec(spec)
    result = record.get("result", record)
    assert result["message"].startswith("converged: relative_l2_error_galerkin")
    assert result["relative_l2_error_galerkin"] <= 1e-3


SHIPPED = sorted((Path(__file__).parents[1] / "scripts" / "configs").glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_config_validates_and_runs_on_a_tiny_budget(path, tmp_path, capsys):
    """`femngd study CONFIG --validate` exits 0; the config runs to completion, no run diverging."""
    from femngd.cli import main
    from femngd.studies import run_study

    assert main(["study", str(path), "--validate"]) == 0
    assert "valid" in capsys.readouterr().out
    raw = tomllib.loads(path.read_text())
    raw["eps"], raw["seeds"] = raw["eps"][:1], raw.get("seeds", [0])[:1]
    n = raw["mesh"]["n"]
    raw["mesh"]["n"] = [8, 16] if isinstance(n, list) else 8
    for t in raw.get("trained", []):
        t["iterations"] = 3
    payload = run_study(raw, tmp_path / "out", progress=False, figures=False)
    assert all(not r["result"].get("diverged", False) for r in payload["records"])


@pytest.mark.parametrize("change, needle", [
    ({"optimizer": "natural-momentum"}, "trained[0] (NGD): optimizer:"),
    ({"optimizer_options": {"beta": 0.9}}, "trained[0] (NGD): beta:"),
    ({"model": "cnn"}, "trained[0] (NGD): model:"), ({"loss": "bogus"}, "trained[0] (NGD): loss:")])
def test_validate_names_the_bad_key(change, needle, tmp_path, capsys):
    from femngd.cli import main

    config = dict(BASE, trained=[{"label": "NGD", "model": "fe", "optimizer": "ngd", **change}])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    assert main(["study", str(path), "--validate"]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err
