"""h-convergence: errors and observed orders over a sequence of meshes, per method and ε.

Observed order between consecutive meshes i−1, i (h decreasing):
``p_i = log(e_{i−1}/e_i) / log(h_{i−1}/h_i)``, computed from the medians over seeds and
stored as ``order_<metric>`` (None on the coarsest mesh).
"""
from __future__ import annotations

from ..fem.errors import observed_orders as fem_observed_orders

from pathlib import Path
from typing import Any

from .aggregate import group_rows
from .sweep import case_figures, summarize as sweep_summary

__all__ = ["ORDER_METRICS", "observed_orders", "h_convergence", "summarize", "figures"]

ORDER_METRICS = ("l2_error_exact", "h1_error_exact", "relative_l2_error_exact")


def observed_orders(h: list[float], errors: list[float | None]) -> list[float | None]:
    """``[None, p_1, ...]``, aligned with the rows: p_i of :func:`femngd.fem.errors.observed_orders` for the
    pair (i−1, i), None where an error is missing or not positive."""
    out: list[float | None] = [None]
    for (h0, e0), (h1, e1) in zip(zip(h, errors), zip(h[1:], errors[1:])):
        ok = None not in (e0, e1) and e0 > 0 and e1 > 0 and h0 != h1
        out.append(float(fem_observed_orders([h0, h1], [e0, e1])[0]) if ok else None)
    return out


def summarize(config: dict[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sweep table per (method, ε, n), sorted by decreasing h, with observed orders."""
    table = []
    for group in group_rows(sweep_summary(config, records), ("label", "eps")):
        group = sorted(group, key=lambda r: -(r.get("h") or 0.0))
        for metric in ORDER_METRICS:
            if any(r.get(metric) is not None for r in group):
                orders = observed_orders([r.get("h") for r in group], [r.get(metric) for r in group])
                for row, p in zip(group, orders):
                    row[f"order_{metric}"] = p
        table += group
    return table


def setup_title(config: dict[str, Any], eps: float) -> str:
    """"problem, ε, mesh kind, Pk" for figure titles, saying which curves live on Shishkin meshes."""
    kind = config["mesh"]["kind"]
    title = f"{config['problem']}, ε = {eps:.3g}, {kind} meshes, P{config['mesh']['degree']}"
    if "shishkin" in config.get("references", ()) and kind != "shishkin":
        title += "\n(Shishkin curve: Shishkin meshes with the same cells, h = largest cell)"
    return title


def figures(config: dict[str, Any], records: list[dict[str, Any]],
            summary: list[dict[str, Any]], out: Path) -> list[Path]:
    """Per ε: error vs h (L2 with slopes k, k+1; H1 with slopes k−1.., k) and the finest-mesh figures."""
    from femngd import plotting

    k = config["mesh"]["degree"]
    paths: list[Path] = []
    for eps in config["eps"]:
        rows = [r for r in summary if r["eps"] == eps]
        setup = setup_title(config, eps)
        for metric, slopes in (("l2_error_exact", (k, k + 1)), ("h1_error_exact", (k,)),
                               ("relative_l2_error_galerkin", (k, k + 1))):
            if any((r.get(metric) or 0) > 0 for r in rows):
                fig = plotting.plot_convergence(rows, metric, slopes, title=f"Convergence in h: {setup}")
                paths += plotting.save_figure(fig, out, f"convergence_{metric}_eps{eps:.3g}")
    return paths + case_figures(config, records, out, n=max(config["mesh"]["n"]))


def h_convergence(config: dict | str | Path, out_dir: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Run an h-convergence study (``study = "convergence"``); see :func:`run_study`."""
    from .config import load_config
    from .core import run_study

    return run_study({**load_config(config), "study": "convergence"}, out_dir, **kwargs)

