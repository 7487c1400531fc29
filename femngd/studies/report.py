"""Plain-text tables of study summaries (what ``femngd study`` and ``femngd demo`` print)."""
from __future__ import annotations

import math
from typing import Any, Sequence

__all__ = ["COLUMNS", "format_table"]

#: columns printed per study type (those absent from every row are left out)
COLUMNS = {
    "sweep": ("label", "eps", "n", "runs", "diverged", "relative_l2_error_exact", "relative_l2_error_galerkin",
              "iterations", "seconds"),
    "convergence": ("label", "eps", "n", "h", "l2_error_exact", "order_l2_error_exact",
                    "h1_error_exact", "order_h1_error_exact"),
    "comparison": ("label", "eps", "runs", "diverged", "reached", "iterations_to_tol", "iterations_to_tol_min",
                   "iterations_to_tol_max", "seconds_to_tol"),
}
_HEADERS = {"relative_l2_error_exact": "relL2(exact)", "relative_l2_error_galerkin": "relL2(Galerkin)",
            "l2_error_exact": "L2 error", "order_l2_error_exact": "order", "h1_error_exact": "H1 error",
            "order_h1_error_exact": "order", "iterations_to_tol": "iters(median)",
            "iterations_to_tol_min": "min", "iterations_to_tol_max": "max",
            "seconds_to_tol": "seconds(median)", "seconds": "seconds"}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isinf(value):
            return "not reached"
        if value == int(value) and abs(value) < 1e6:
            return f"{int(value)}"
        return f"{value:.3g}" if abs(value) >= 1e-3 else f"{value:.2e}"
    return str(value)


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Aligned text table of ``rows`` with the given ``columns`` (missing ones dropped)."""
    columns = [c for c in columns if any(c in r for r in rows)]
    cells = [[_HEADERS.get(c, c) for c in columns]]
    cells += [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(v.rjust(w) if j else v.ljust(w) for j, (v, w) in enumerate(zip(row, widths)))
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
