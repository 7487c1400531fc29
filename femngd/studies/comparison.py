"""Optimizer comparison: iterations and seconds to reach a tolerance, over seeds.

For each trained run, with m_k = ``history[measure][k]`` (k = 0, 1, ...):
``iterations_to_tol = min{k : m_k ≤ tolerance}`` (inf if never reached) and
``seconds_to_tol`` = the run's cumulative time at that iteration. The summary has their
median and range over seeds per (method, ε), the number of seeds that reached the tolerance
and the final value of the measure.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .aggregate import flatten, summarize_rows

__all__ = ["time_to_tolerance", "optimizer_comparison", "summarize", "figures"]


def time_to_tolerance(values: list[float | None], times: list[float | None] | None,
                      tolerance: float) -> tuple[float, float]:
    """(first k with values[k] ≤ tolerance, times[k]); (inf, inf) if never; time nan if unknown."""
    for k, v in enumerate(values):
        if v is not None and v <= tolerance:
            t = times[k] if times and k < len(times) and times[k] is not None else math.nan
            return float(k), float(t)
    return math.inf, math.inf


def _row(record: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    cmp = config["comparison"]
    history = record["result"].get("history") or {}
    values = history.get(cmp["measure"]) or []
    times = (record["result"].get("timing") or {}).get("time")
    its, secs = time_to_tolerance(values, times, cmp["tolerance"])
    final = next((v for v in reversed(values) if v is not None), None)
    return {**flatten(record), "iterations_to_tol": its, "seconds_to_tol": secs,
            "reached": float(math.isfinite(its)), f"final_{cmp['measure']}": final}


def summarize(config: dict[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per trained method and ε: median/min/max of iterations and seconds to the tolerance."""
    rows = [_row(r, config) for r in records if "seed" in r["spec"]]
    measure = config["comparison"]["measure"]
    table = summarize_rows(rows, ("iterations_to_tol", "seconds_to_tol", f"final_{measure}", "seconds"))
    for out in table:
        group = [r for r in rows if r["label"] == out["label"] and r["eps"] == out["eps"]]
        out["reached"] = int(sum(r["reached"] for r in group))
        out["tolerance"] = config["comparison"]["tolerance"]
    return table


def figures(config: dict[str, Any], records: list[dict[str, Any]],
            summary: list[dict[str, Any]], out: Path) -> list[Path]:
    """Per ε: loss and measure curves (median and range over seeds) with the tolerance line."""
    from femngd import plotting

    cmp = config["comparison"]
    paths: list[Path] = []
    for eps in config["eps"]:
        recs = [r for r in records if r["spec"]["eps"] == eps and "seed" in r["spec"]]
        fig = plotting.plot_curves(recs, keys=("loss", cmp["measure"]), tolerance=cmp["tolerance"],
                                   tolerance_key=cmp["measure"])
        paths += plotting.save_figure(fig, out, f"comparison_eps{eps:.3g}")
    return paths


def optimizer_comparison(config: dict | str | Path, out_dir: str | Path, **kwargs: Any) -> dict[str, Any]:
    """Run an optimizer comparison (``study = "comparison"``); see :func:`run_study`."""
    from .config import load_config
    from .core import run_study

    return run_study({**load_config(config), "study": "comparison"}, out_dir, **kwargs)
