"""Tables from run records: one flat row per run, and median / spread over seeds.

Spread is the range over seeds: for a value v the summary has ``v`` (median), ``v_min`` and
``v_max``. Missing values (None/NaN) are ignored; a group with none gives None.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = ["GROUP_KEYS", "flatten", "group_rows", "median_spread", "summarize_rows"]

#: a method on one problem instance: the seeds of one group are repetitions
GROUP_KEYS = ("label", "kind", "problem", "eps", "n", "degree", "mesh")


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """One table row per run: spec identifiers, scalar results and wall time (``seconds``)."""
    spec, result = record["spec"], record["result"]
    row = {
        "run_id": record["run_id"],
        "label": spec.get("label", spec["kind"]),
        "kind": spec["kind"],
        "problem": spec["problem"],
        "eps": spec["eps"],
        "n": spec["mesh"]["n"],
        "degree": spec["mesh"]["degree"],
        "mesh": "shishkin" if spec["kind"] == "shishkin" else spec["mesh"]["kind"],
        "seed": spec.get("seed"),
    }
    for key, value in result.items():
        if value is None or isinstance(value, (bool, int, float, str)):
            row[key] = value
    row["seconds"] = (result.get("timing") or {}).get("seconds")
    return row


def group_rows(rows: Iterable[dict[str, Any]], keys: Sequence[str] = GROUP_KEYS) -> list[list[dict]]:
    """Rows grouped by equal ``keys``, groups in first-seen order."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(k) for k in keys), []).append(row)
    return list(groups.values())


def median_spread(values: Iterable[Any]) -> tuple[float | None, float | None, float | None]:
    """(median, min, max) of the numeric, non-NaN values (±inf allowed); Nones if there are none."""
    data = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    data = [v for v in data if not math.isnan(v)]
    if not data:
        return None, None, None
    arr = np.asarray(data)
    return float(np.median(arr)), float(arr.min()), float(arr.max())


def summarize_rows(rows: list[dict[str, Any]], values: Sequence[str],
                   keys: Sequence[str] = GROUP_KEYS) -> list[dict[str, Any]]:
    """One row per group: the group keys, ``runs`` (count), ``diverged`` (count, trained runs) and
    median/min/max of ``values``."""
    table = []
    for group in group_rows(rows, keys):
        out = {k: group[0].get(k) for k in keys}
        out["runs"] = len(group)
        if any("diverged" in r for r in group):     # trained runs: how many of the seeds diverged
            out["diverged"] = sum(bool(r.get("diverged")) for r in group)
        for name in values:
            if any(name in r for r in group):
                med, lo, hi = median_spread(r.get(name) for r in group)
                out[name], out[f"{name}_min"], out[f"{name}_max"] = med, lo, hi
        table.append(out)
    return table
