"""The main job on built-in defaults: an ε-sweep of NGD and natural momentum vs Galerkin and SUPG.

1D boundary layer −εu″ + u′ = 1 on (0, 1), u(0) = u(1) = 0, for ε ∈ {1e-1, 1e-2, 1e-3} on a
uniform P1 mesh with 32 cells: Galerkin, SUPG, Galerkin on a Shishkin mesh, and the FE
coefficients trained on the FE residual loss ½‖A V − F‖²_{M⁻¹} with the same budget of 1000
iterations by

* NGD in the H1 metric (G = K + M) at the optimal fixed step 2/(λ₁+λ_n): preconditioned gradient
  descent, whose rate 1 − 2/(κ+1) needs ~κ iterations (κ = κ(G⁻¹G_H) ~ h⁻², 10³–10⁴ here), so it
  does not reach the Galerkin solution in the budget at ε = 0.1 and 1e-3 (its label says so);
* natural heavy ball (LM transport) at Polyak's optimal (α, β): ~√κ iterations, round-off;
* natural Nesterov at Nesterov's (α, β): likewise;
* NGD in the Gauss–Newton metric (step 1): the Galerkin solution in one step.

(In the L2 metric κ ~ h⁻⁴ ≈ 4e5 at ε = 0.1 and even heavy ball stops at 0.16 in 1000 iterations.)
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
    "eps": [1e-1, 1e-2, 1e-3],
    "mesh": {"kind": "uniform", "n": 32, "degree": 1},
    "seeds": [0],
    "references": ["galerkin", "supg", "shishkin"],
    "trained": [
        {"label": "NGD (H1): ~κ iterations", "model": "fe", "loss": "fe-residual", "metric": "h1",
         "optimizer": "ngd", "optimizer_options": {"lr": "auto"}, "iterations": 1000},
        {"label": "natural heavy ball (H1)", "model": "fe", "loss": "fe-residual", "metric": "h1",
         "optimizer": "nhb-lm", "optimizer_options": {"momentum": "auto"}, "iterations": 1000},
        {"label": "natural Nesterov (H1)", "model": "fe", "loss": "fe-residual", "metric": "h1",
         "optimizer": "nnesterov", "optimizer_options": {"momentum": "auto"}, "iterations": 1000},
        {"label": "NGD (Gauss-Newton)", "model": "fe", "loss": "fe-residual", "metric": "gauss-newton",
         "optimizer": "ngd", "optimizer_options": {}, "iterations": 5},
    ],
    "comparison": {"tolerance": 1e-3, "measure": "relative_l2_error_galerkin"},
}


def demo(out_dir: str | Path = "femngd-results", **kwargs: Any) -> dict[str, Any]:
    """Run the demo study into ``out_dir`` (resumable); returns the ``results.json`` payload."""
    return run_study(copy.deepcopy(DEMO_CONFIG), out_dir, **kwargs)
