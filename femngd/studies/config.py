"""Study configs: load a dict, a TOML or a JSON file, validate it, fill in defaults.

A config describes one study (see :data:`EXAMPLE`)::

    study = "sweep"                 # "sweep" | "convergence" | "comparison"
    name = "layer-sweep"
    problem = "layer_1d"            # a name of femngd.fem.PROBLEMS: layer_1d, smooth_1d, poisson_1d,
                                    # corner_layer_2d, smooth_2d, poisson_2d
    eps = [1e-1, 1e-2]              # every ε > 0
    seeds = [0, 1]                  # seeds of the trained runs
    references = ["galerkin", "supg", "shishkin"]

    [mesh]                          # n: an int (sweep, comparison) or a list (convergence)
    kind = "uniform"                # "uniform" | "shishkin" (1D and 2D: femngd.fem.make_mesh)
    n = 32
    degree = 1

    [[trained]]                     # one table per trained method
    label = "NGD"
    model = "fe"
    loss = "fe-residual"
    metric = "gauss-newton"
    optimizer = "ngd"
    iterations = 50

    [comparison]                    # optimizer comparison only
    tolerance = 1e-3
    measure = "relative_l2_error_exact"

Every error is a one-line ``ValueError`` whose message starts with the offending key, e.g.
``"eps[1]: must be > 0, got -0.1"`` or ``"trained[0].optimzer: unknown key (allowed: ...)"``.
"""
from __future__ import annotations

import copy
import json
import math
import tomllib
from pathlib import Path
from typing import Any, Callable

from ..fem.meshes import MESH_KINDS
from ..fem.problems import PROBLEMS as PROBLEM_REGISTRY

__all__ = ["STUDIES", "REFERENCE_KINDS", "EXAMPLE", "load_config", "validate_config"]

STUDIES = ("sweep", "convergence", "comparison")
REFERENCE_KINDS = ("galerkin", "supg", "shishkin")
PROBLEMS = PROBLEM_REGISTRY.names()           # the registered problems (femngd.fem.PROBLEMS)

EXAMPLE: dict[str, Any] = {
    "study": "sweep",
    "name": "example",
    "problem": "layer_1d",
    "eps": [1e-1, 1e-2],
    "mesh": {"kind": "uniform", "n": 32, "degree": 1},
    "references": ["galerkin", "supg"],
    "trained": [{"label": "NGD", "model": "fe", "optimizer": "ngd", "iterations": 20}],
}

_TOP_DEFAULTS: dict[str, Any] = {
    "name": "study",
    "problem": "layer_1d",
    "seeds": [0],
    "references": [],
    "trained": [],
    "comparison": {},
}
_MESH_DEFAULTS: dict[str, Any] = {"kind": "uniform", "degree": 1}
_TRAINED_DEFAULTS: dict[str, Any] = {
    "kind": "trained",
    "model_options": {},
    "loss": "fe-residual",
    "metric": "l2",
    "objective_options": {},
    "optimizer_options": {},
    "iterations": 100,
    "tol": 0.0,
    "stop_on": "loss",
    "meter_every": 1,
    "time_budget": None,
}
_COMPARISON_DEFAULTS: dict[str, Any] = {"tolerance": 1e-3, "measure": "relative_l2_error_exact"}


def load_config(source: dict | str | Path) -> dict[str, Any]:
    """Read a config (a dict, or the path of a ``.toml``/``.json`` file) and validate it.

    Returns a new, JSON-able dict with every default filled in.
    """
    if isinstance(source, dict):
        return validate_config(source)
    return validate_config(_read_file(Path(source)))


def _read_file(path: Path) -> dict[str, Any]:
    """Parse a TOML (by suffix ``.toml``) or JSON file; one-line ValueError if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"config: cannot read {str(path)!r}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        first = str(exc).splitlines()[0]
        raise ValueError(f"config: invalid {kind} in {str(path)!r}: {first}") from None
    if not isinstance(data, dict):
        raise ValueError(f"config: {str(path)!r} must hold a table/object at the top level")
    return data


def validate_config(raw: dict[str, Any]) -> dict[str, Any]:
    """Check a config dict (unknown keys, types, ranges) and return it with defaults filled."""
    if not isinstance(raw, dict):
        raise ValueError(f"config: must be a dict, got {type(raw).__name__}")
    allowed = ("study", "eps", "mesh", *_TOP_DEFAULTS)
    _check_keys(raw, allowed, "")
    for key in ("study", "eps", "mesh"):
        if key not in raw:
            raise ValueError(f"{key}: missing required key")
    cfg = {**copy.deepcopy(_TOP_DEFAULTS), **copy.deepcopy(raw)}
    cfg["study"] = _choice(cfg["study"], STUDIES, "study")
    cfg["name"] = _string(cfg["name"], "name")
    cfg["problem"] = _choice(cfg["problem"], PROBLEMS, "problem")
    cfg["eps"] = _list(cfg["eps"], "eps", lambda v, k: _positive(v, k))
    cfg["seeds"] = _list(cfg["seeds"], "seeds", lambda v, k: _integer(v, k, minimum=0))
    cfg["mesh"] = _mesh(cfg["mesh"], cfg["study"])
    cfg["references"] = _list(
        cfg["references"], "references", lambda v, k: _choice(v, REFERENCE_KINDS, k), empty=True
    )
    cfg["trained"] = [_trained(t, f"trained[{i}]") for i, t in enumerate(_seq(cfg["trained"], "trained"))]
    cfg["comparison"] = _comparison(cfg["comparison"])
    _check_consistency(cfg)
    _check_buildable(cfg)
    return cfg


def _check_buildable(cfg: dict[str, Any]) -> None:
    """Validate every trained method's run description (:meth:`femngd.runspec.RunSpec.validate`: every name
    and option, built on a tiny mesh), so that a bad name fails here, in one line naming the method, not
    later in a worker."""
    from .runs import run_description

    for i, t in enumerate(cfg["trained"]):
        if t["kind"] != "trained":       # a user-registered run kind checks its own spec
            continue
        n = cfg["mesh"]["n"][0] if isinstance(cfg["mesh"]["n"], list) else cfg["mesh"]["n"]
        spec = {**t, "problem": cfg["problem"], "eps": cfg["eps"][0], "seed": cfg["seeds"][0],
                "mesh": {**cfg["mesh"], "n": n}}
        try:
            run_description(spec).validate()
        except ValueError as exc:
            raise ValueError(f"trained[{i}] ({t['label']}): {exc}") from None


def _check_consistency(cfg: dict[str, Any]) -> None:
    """Cross-key rules: something to run, unique labels, trained runs for a comparison."""
    if not cfg["references"] and not cfg["trained"]:
        raise ValueError("references: nothing to run (give references and/or trained)")
    labels = [t["label"] for t in cfg["trained"]] + list(cfg["references"])
    duplicated = sorted({lab for lab in labels if labels.count(lab) > 1})
    if duplicated:
        raise ValueError(f"trained: labels must be unique, repeated: {duplicated}")
    if cfg["study"] == "comparison" and not cfg["trained"]:
        raise ValueError("trained: a comparison study needs at least one trained method")


def _mesh(raw: Any, study: str) -> dict[str, Any]:
    """Validate the [mesh] table; ``n`` is a list of ≥ 2 sizes for a convergence study."""
    if not isinstance(raw, dict):
        raise ValueError(f"mesh: must be a table, got {type(raw).__name__}")
    _check_keys(raw, ("kind", "n", "degree"), "mesh.")
    if "n" not in raw:
        raise ValueError("mesh.n: missing required key")
    mesh = {**_MESH_DEFAULTS, **raw}
    mesh["kind"] = _choice(mesh["kind"], MESH_KINDS, "mesh.kind")
    mesh["degree"] = _choice(mesh["degree"], (1, 2), "mesh.degree")
    if study == "convergence":
        mesh["n"] = _list(mesh["n"], "mesh.n", lambda v, k: _integer(v, k, minimum=2))
        if len(mesh["n"]) < 2:
            raise ValueError("mesh.n: a convergence study needs at least 2 mesh sizes")
    else:
        mesh["n"] = _integer(mesh["n"], "mesh.n", minimum=2)
    return mesh


def _trained(raw: Any, where: str) -> dict[str, Any]:
    """Validate one [[trained]] table (model × loss × metric × optimizer)."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a table, got {type(raw).__name__}")
    required = ("label", "model", "optimizer")
    _check_keys(raw, (*required, *_TRAINED_DEFAULTS), f"{where}.")
    for key in required:
        if key not in raw:
            raise ValueError(f"{where}.{key}: missing required key")
    t = {**copy.deepcopy(_TRAINED_DEFAULTS), **copy.deepcopy(raw)}
    for key in ("label", "kind", "model", "loss", "metric", "optimizer"):  # (stop_on: checked below)
        t[key] = _string(t[key], f"{where}.{key}")
    if t["kind"] in REFERENCE_KINDS:
        raise ValueError(f"{where}.kind: {t['kind']!r} is a reference kind, list it in references")
    for key in ("model_options", "objective_options", "optimizer_options"):
        t[key] = _table(t[key], f"{where}.{key}")
    t["iterations"] = _integer(t["iterations"], f"{where}.iterations", minimum=1)
    t["tol"] = _number(t["tol"], f"{where}.tol", minimum=0.0)
    t["stop_on"] = _string(t["stop_on"], f"{where}.stop_on")
    t["meter_every"] = _integer(t["meter_every"], f"{where}.meter_every", minimum=1)
    if t["time_budget"] is not None:
        t["time_budget"] = _positive(t["time_budget"], f"{where}.time_budget")
    return t


def _comparison(raw: Any) -> dict[str, Any]:
    """Validate the [comparison] table: tolerance > 0 on the measured quantity."""
    if not isinstance(raw, dict):
        raise ValueError(f"comparison: must be a table, got {type(raw).__name__}")
    _check_keys(raw, tuple(_COMPARISON_DEFAULTS), "comparison.")
    out = {**_COMPARISON_DEFAULTS, **raw}
    out["tolerance"] = _positive(out["tolerance"], "comparison.tolerance")
    out["measure"] = _string(out["measure"], "comparison.measure")
    return out


# --- small typed checkers: each raises "<key>: ..." ------------------------------------------

def _check_keys(raw: dict, allowed: tuple[str, ...], prefix: str) -> None:
    for key in raw:
        if key not in allowed:
            raise ValueError(f"{prefix}{key}: unknown key (allowed: {', '.join(allowed)})")


def _seq(value: Any, key: str) -> list:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{key}: must be a list, got {type(value).__name__}")
    return list(value)


def _list(value: Any, key: str, check: Callable[[Any, str], Any], empty: bool = False) -> list:
    items = _seq(value, key)
    if not items and not empty:
        raise ValueError(f"{key}: must not be empty")
    return [check(v, f"{key}[{i}]") for i, v in enumerate(items)]


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key}: must be a non-empty string, got {value!r}")
    return value


def _choice(value: Any, choices: tuple, key: str) -> Any:
    if isinstance(value, bool) or value not in choices:
        raise ValueError(f"{key}: must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def _table(value: Any, key: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{key}: must be a table, got {type(value).__name__}")
    return value


def _number(value: Any, key: str, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{key}: must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{key}: must be >= {minimum}, got {value!r}")
    return float(value)


def _positive(value: Any, key: str) -> float:
    value = _number(value, key)
    if value <= 0:
        raise ValueError(f"{key}: must be > 0, got {value!r}")
    return value


def _integer(value: Any, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key}: must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{key}: must be >= {minimum}, got {value!r}")
    return value
