"""ε-sweep: references and trained models over a list of ε, errors vs exact and vs Galerkin.

Summary: one row per (method, ε) with the median and range over seeds of the errors
(``relative_l2_error_exact``, ``relative_l2_error_galerkin``, ...), iterations and seconds.
Figures: error vs ε, and per ε the solutions (zoom on the layer) and training curves.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .aggregate import flatten, summarize_rows

__all__ = ["ERROR_METRICS", "eps_sweep", "summarize", "figures", "case_figures"]

ERROR_METRICS = (
    "relative_l2_error_exact", "relative_l2_error_galerkin", "l2_error_exact",
    "relative_h1_error_galerkin", "h1_error_exact", "max_nodal_error",
)
_SUMMARY_VALUES = (*ERROR_METRICS, "loss", "iterations", "h", "n_dofs", "seconds")


def summarize(config: dict[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median / min / max over seeds of the errors, per method and ε (and mesh size)."""
    return summarize_rows([flatten(r) for r in records], _SUMMARY_VALUES)


def _cases(records: list[dict[str, Any]], n: int | None = None) -> dict[tuple, list[dict]]:
    """Records grouped by (ε, n), restricted to mesh size n if given."""
    cases: dict[tuple, list[dict]] = {}
    for rec in records:
        key = (rec["spec"]["eps"], rec["spec"]["mesh"]["n"])
        if n is None or key[1] == n:
            cases.setdefault(key, []).append(rec)
    return cases


def case_figures(config: dict[str, Any], records: list[dict[str, Any]], out: Path,
                 n: int | None = None) -> list[Path]:
    """Per (ε, n): solutions figure and, when there are trained runs, training curves."""
    from femngd import plotting

    paths: list[Path] = []
    error_key = config["comparison"]["measure"]
    for (eps, size), recs in _cases(records, n).items():
        tag = f"eps{eps:.3g}_n{size}"
        if any(r["result"].get("solution") for r in recs):
            paths += plotting.save_figure(plotting.plot_solutions(recs), out, f"solutions_{tag}")
        if any(r["result"].get("history") for r in recs):
            fig = plotting.plot_curves(recs, keys=("loss", error_key))
            paths += plotting.save_figure(fig, out, f"curves_{tag}")
    return paths


def figures(config: dict[str, Any], records: list[dict[str, Any]],
            summary: list[dict[str, Any]], out: Path) -> list[Path]:
    """Error vs ε (two panels: vs exact, vs Galerkin) and the per-ε figures."""
    from femngd import plotting

    paths: list[Path] = []
    if len(config["eps"]) > 1:
        title = f"Error vs ε: {config['problem']}, {config['mesh']['kind']} mesh n = {config['mesh']['n']}, P{config['mesh']['degree']}"
        fig = plotting.plot_error_vs_eps(summary, ERROR_METRICS[:2], title=title)
        paths += plotting.save_figure(fig, out, "error_vs_eps")
    return paths + case_figures(config, records, out)


def eps_sweep(config: dict | str | Path, out_dir: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Run an ε-sweep study (``study = "sweep"``); see :func:`femngd.studies.run_study`."""
    from .core import run_study
    from .config import load_config

    return run_study({**load_config(config), "study": "sweep"}, out_dir, **kwargs)
