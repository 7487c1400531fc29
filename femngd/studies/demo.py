"""The main job on built-in defaults: an ε-sweep of NGD and natural momentum vs Galerkin and SUPG.

1D boundary layer −εu″ + u′ = 1 on (0, 1), u(0) = u(1) = 0, for ε ∈ {1e-1, 3e-2, 1e-2} on a
uniform P1 mesh with 32 cells: Galerkin, SUPG, Galerkin on a Shishkin mesh, and the FE
coefficients trained on the FE residual loss ‖A V − F‖²_{M⁻¹} by natural gradient descent and
by natural (heavy-ball, last-momentum) momentum, with the same iteration budget.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from .core import run_study

__all__ = ["DEMO_CONFIG", "demo"]

DEMO_CONFIG: dict[str, Any] = {
    "study": "sweep",
    "name": "demo",
    "problem": "layer_1d",
    "eps": [1e-1, 3e-2, 1e-2],
    "mesh": {"kind": "uniform", "n": 32, "degree": 1},
    "seeds": [0],
    "references": ["galerkin", "supg", "shishkin"],
    "trained": [
        {"label": "NGD", "model": "fe", "loss": "fe-residual", "metric": "l2",
         "optimizer": "ngd", "optimizer_options": {}, "iterations": 200},
        {"label": "natural momentum", "model": "fe", "loss": "fe-residual", "metric": "l2",
         "optimizer": "natural-momentum", "optimizer_options": {}, "iterations": 200},
    ],
    "comparison": {"tolerance": 1e-3, "measure": "relative_l2_error_galerkin"},
}


def demo(out_dir: str | Path = "femngd-results", **kwargs: Any) -> dict[str, Any]:
    """Run the demo study into ``out_dir`` (resumable); returns the ``results.json`` payload."""
    return run_study(copy.deepcopy(DEMO_CONFIG), out_dir, **kwargs)
