"""One run of a study: a small JSON-able spec dict in, a JSON-able result dict out.

A spec names its ``kind`` and the problem it solves::

    {"kind": "galerkin", "label": "galerkin", "problem": "layer_1d", "eps": 0.01,
     "mesh": {"kind": "uniform", "n": 32, "degree": 1}}

Trained runs add ``seed``, ``model``, ``model_options``, ``loss``, ``metric``,
``objective_options``, ``optimizer``, ``optimizer_options``, ``iterations``, ``tol`` and
``time_budget``. :func:`run_spec` is a pure function of the spec (deterministic for its
seed), so runs can execute in any process, in any order.

Kinds are looked up in a registry (:func:`register_kind`) holding "galerkin", "supg",
"shishkin" and "trained", or given as ``"package.module:function"`` (resolved on demand by
:func:`pkgutil.resolve_name`, so worker processes find user-defined kinds too). A trained run's
spec is a :class:`femngd.runspec.RunSpec` (:func:`run_description`): the same run ``femngd train``
builds from the same description.

Results hold scalar errors (``l2_error_exact``, ``relative_l2_error_exact``,
``relative_l2_error_galerkin``, ...), ``n_dofs``, a ``solution`` sampled for figures
(``x``, ``u``, ``exact``), for trained runs a ``history`` of per-iteration curves, and a
``timing`` dict: the only part that varies between repetitions of the same spec.
"""
from __future__ import annotations

import pkgutil
import time
from typing import Any, Callable

import numpy as np

from .. import fem
from ..runspec import RunSpec

__all__ = ["register_kind", "resolve_kind", "run_spec", "plot_points", "build_trained", "run_description", "RUN_KINDS"]

RunKind = Callable[[dict[str, Any]], dict[str, Any]]
RUN_KINDS: dict[str, RunKind] = {}


def register_kind(name: str, func: RunKind) -> RunKind:
    """Register ``func(spec) -> result`` as the run kind ``name``; returns ``func``."""
    if not isinstance(name, str) or not name or ":" in name:
        raise ValueError(f"name: must be a non-empty string without ':', got {name!r}")
    RUN_KINDS[name] = func
    return func


def resolve_kind(kind: str) -> RunKind:
    """The function of a registered kind or of a ``"module:function"`` path."""
    if kind in RUN_KINDS:
        return RUN_KINDS[kind]
    if isinstance(kind, str) and ":" in kind:
        try:
            return pkgutil.resolve_name(kind)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ValueError(f"kind: cannot import {kind!r}: {exc}") from None
    raise ValueError(f"kind: unknown run kind {kind!r} (known: {', '.join(sorted(RUN_KINDS))})")


def run_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Execute one run: ``resolve_kind(spec["kind"])(spec)``, with its wall time in ``timing``."""
    if not isinstance(spec, dict) or "kind" not in spec:
        raise ValueError("spec: must be a dict with a 'kind'")
    start = time.perf_counter()
    result = dict(resolve_kind(spec["kind"])(spec))
    timing = dict(result.get("timing") or {})
    timing.setdefault("seconds", time.perf_counter() - start)
    result["timing"] = timing
    return result


def plot_points(dim: int, eps: float, n: int = 400) -> np.ndarray:
    """Sampling points for solution figures, refined towards the layer at 1.

    1D: x ∈ [0, 1]; 2D: the diagonal (t, t). Uniform points plus ``n/2`` points in
    [1 − 10ε, 1] so that the layer of width O(ε) is resolved.
    """
    t = np.concatenate([np.linspace(0.0, 1.0, n + 1), 1.0 - np.geomspace(1e-3 * eps, 10 * eps, n // 2)])
    t = np.unique(np.clip(t, 0.0, 1.0))
    return np.repeat(t[:, None], dim, axis=1)


# --- reference runs (femngd.fem) ---------------------------------------------------------------

def _discretization(spec: dict[str, Any], mesh_kind: str | None = None):
    """(problem, space) of the spec, on its mesh or one of ``mesh_kind`` (:meth:`femngd.runspec.RunSpec.discretization`)."""
    mesh = spec["mesh"]
    return RunSpec(problem=spec["problem"], eps=spec["eps"], mesh=mesh_kind or mesh["kind"], n=mesh["n"],
                   degree=mesh["degree"]).discretization()


def _sample_fe(space, u: np.ndarray, x: np.ndarray) -> np.ndarray:
    """u_h(x) for an FE nodal vector u at points x (m, dim), via scikit-fem probes."""
    return np.asarray(space.basis.probes(x.T) @ u).ravel()


def _fe_errors(problem, space, u: np.ndarray) -> dict[str, float]:
    """Errors of an FE function u (full nodal vector) against the exact solution (nan if none)."""
    if problem.exact is None:
        return dict.fromkeys(("l2_error_exact", "relative_l2_error_exact", "max_nodal_error"), np.nan)
    out = {
        "l2_error_exact": fem.l2_error(space, u, problem.exact),
        "relative_l2_error_exact": fem.relative_l2_error(space, u, problem.exact),
        "max_nodal_error": fem.max_nodal_error(space, u, problem.exact),
    }
    if problem.exact_grad is not None:
        out["h1_error_exact"] = fem.h1_error(space, u, problem.exact_grad)
    return out


def _relative_mass_distance(space, u: np.ndarray, ref: np.ndarray) -> float:
    """‖u − ref‖_{L2} / ‖ref‖_{L2} for two FE functions of the same space: √(dᵀMd / rᵀMr)."""
    mass = space.mass()
    d = u - ref
    return float(np.sqrt((d @ (mass @ d)) / (ref @ (mass @ ref))))


def _solution_samples(problem, values: np.ndarray, x: np.ndarray) -> dict[str, Any]:
    exact = problem.exact(x) if problem.exact is not None else None
    t = x[:, 0]
    return {"x": t, "u": values, "exact": exact}


def _reference(spec: dict[str, Any], solver: str, mesh_kind: str | None = None) -> dict[str, Any]:
    """Galerkin or SUPG on the spec's mesh (or on a Shishkin mesh), with errors and samples."""
    problem, space = _discretization(spec, mesh_kind)
    u = getattr(fem, solver)(problem, space)
    same_as_galerkin_space = (mesh_kind or spec["mesh"]["kind"]) == spec["mesh"]["kind"]
    if solver == "galerkin" and same_as_galerkin_space:
        rel_gal = 0.0
    elif same_as_galerkin_space:
        rel_gal = _relative_mass_distance(space, u, fem.galerkin(problem, space))
    else:
        rel_gal = np.nan  # different mesh: no common FE space
    x = plot_points(problem.dim, spec["eps"])
    return {
        **_fe_errors(problem, space, u),
        "relative_l2_error_galerkin": rel_gal,
        "n_dofs": int(space.n_dofs),
        "h": float(np.max(space.h)),
        "solution": _solution_samples(problem, _sample_fe(space, u, x), x),
    }


register_kind("galerkin", lambda spec: _reference(spec, "galerkin"))
register_kind("supg", lambda spec: _reference(spec, "supg"))
register_kind("shishkin", lambda spec: _reference(spec, "galerkin", mesh_kind="shishkin"))


# --- trained runs (femngd.natural.factory + femngd.optim + femngd.train) ----------------------

def _history_columns(history: Any) -> dict[str, list]:
    """History as columns {name: [per-iteration values]} from a dict of lists or a list of dicts."""
    if isinstance(history, dict):
        return {k: list(np.asarray(v, dtype=float)) for k, v in history.items()}
    rows = list(history or [])
    keys = dict.fromkeys(k for row in rows for k in row)
    return {k: [float(row.get(k, np.nan)) for row in rows] for k in keys}


def run_description(spec: dict[str, Any]) -> RunSpec:
    """The :class:`~femngd.runspec.RunSpec` of a trained run's spec dict."""
    mesh = spec["mesh"]
    return RunSpec(problem=spec["problem"], eps=spec["eps"], mesh=mesh["kind"], n=mesh["n"], degree=mesh["degree"],
                   model=spec["model"], model_options=spec["model_options"], loss=spec["loss"],
                   metric=spec["metric"], objective_options=spec["objective_options"], optimizer=spec["optimizer"],
                   optimizer_options=spec["optimizer_options"], seed=spec["seed"])


def build_trained(spec: dict[str, Any]):
    """(problem, space, model, objective, optimizer) of a trained run's spec (ValueError on a bad name/option),
    through :func:`run_description`."""
    parts = run_description(spec).build()
    return parts.problem, parts.space, parts.model, parts.objective, parts.optimizer


def _trained(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the spec's run (:func:`run_description`), train it with its meter, measure errors."""
    parts = run_description(spec).build()
    out = parts.train(iterations=spec["iterations"], tol=spec["tol"], time_budget=spec["time_budget"],
                      stop_on=spec.get("stop_on", "loss"), meter_every=spec.get("meter_every", 1))
    history = _history_columns(out.history)
    timing = {"time": history.pop("time", None) or history.pop("seconds", None)}
    x = plot_points(parts.problem.dim, spec["eps"])
    values, _ = parts.objective.evaluate(out.theta, x, order=0)
    return {
        **{k: float(v) for k, v in parts.meter(parts.objective, out.theta).items()},
        "n_params": int(np.size(out.theta)),
        "n_dofs": int(parts.space.n_dofs),
        "h": float(np.max(parts.space.h)),
        "iterations": int(out.iterations),
        "diverged": bool(out.diverged),
        "message": str(out.message),
        "history": history,
        "timing": timing,
        "solution": _solution_samples(parts.problem, values, x),
    }


register_kind("trained", _trained)
