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

One 2D case follows (:func:`corner_layer_case`): the corner layer at ε = 1e-2 with 32 × 32 cells —
Galerkin and SUPG on the uniform mesh, Galerkin on the Shishkin mesh, and a shallow tanh network
(width 32, hard wrapper, strong residual, Gauss–Newton NGD with a grid line search, 100
iterations on the quadrature points of a 16 × 16 mesh) — drawn as four maps of the pointwise
error, so one sees where each misses the layer.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from .core import run_study

__all__ = ["DEMO_CONFIG", "CORNER_CASE", "demo", "corner_layer_case"]

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


#: the 2D case of the demo (see module doc)
CORNER_CASE: dict[str, Any] = {"eps": 1e-2, "n": 32, "width": 32, "network_n": 16, "iterations": 100, "seed": 0}


def _network_result(problem, case: dict[str, Any], progress: bool):
    """The demo's network on the corner layer: (label, FieldResult, parameters, relative L2 error, seconds)."""
    import time

    from femngd.fem import FESpace, make_mesh
    from femngd.natural import ErrorMeter, build_model, build_objective
    from femngd.optim import build_optimizer
    from femngd.optim.defaults import default_optimizer_options
    from femngd.results import trained_result
    from femngd.train import train

    space = FESpace(make_mesh("uniform", case["network_n"], 2))
    model = build_model("shallow", problem, space, width=case["width"])
    objective = build_objective(problem, space, model, loss="strong-residual", metric="gauss-newton")
    optimizer = build_optimizer("ngd", **default_optimizer_options("ngd", False, "strong-residual", "gauss-newton"))
    start = time.perf_counter()
    result = train(objective, optimizer, model.init(case["seed"]), iterations=case["iterations"], progress=progress)
    seconds = time.perf_counter() - start
    error = ErrorMeter(problem, space)(objective, result.theta)["relative_l2_error_exact"]
    label = f"shallow tanh {case['width']}, strong residual, {result.iterations} NGD its"
    return label, trained_result(problem, space, objective, result.theta), model.n_params, error, seconds


def corner_layer_case(out_dir: str | Path, case: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    """The demo's 2D case (module doc): writes ``figures/corner_layer_eps<ε>.png/.pdf`` into ``out_dir``.

    Returns {"rows": [{"method", "dofs_or_params", "relative_l2_error_exact", "seconds"}], "figures": [...]}.
    """
    import time

    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from femngd import plotting
    from femngd.fem import FESpace, corner_layer_2d, galerkin, make_mesh, relative_l2_error, supg
    from femngd.results import galerkin_result

    case, out_dir = {**CORNER_CASE, **(case or {})}, Path(out_dir)
    problem, n, eps = corner_layer_2d(case["eps"]), case["n"], case["eps"]
    panels = []
    for label, space, stabilization in (("Galerkin, uniform", FESpace(make_mesh("uniform", n, 2)), "none"),
                                        ("SUPG, uniform", FESpace(make_mesh("uniform", n, 2)), "supg"),
                                        ("Galerkin, Shishkin mesh", FESpace(make_mesh("shishkin", n, 2, eps=eps)),
                                         "none")):
        start = time.perf_counter()
        u = supg(problem, space) if stabilization == "supg" else galerkin(problem, space)
        seconds = time.perf_counter() - start
        panels.append((label, galerkin_result(problem, space, stabilization, u=u), space.n_dofs,
                       relative_l2_error(space, u, problem.exact), seconds))
    panels.append(_network_result(problem, case, progress))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 3.9))
    top = max(float(result.error().max()) for _, result, *_ in panels)
    for ax, (label, result, size, error, _) in zip(axes, panels):
        result.plot(ax, field="error")
        ax.collections[0].set_norm(LogNorm(vmin=top * 1e-6, vmax=top))      # one colour scale for all panels
        ax.set_title(f"{label}\n{size} DOFs/params, rel. L2 error {error:.2g}", fontsize=9)
    fig.suptitle(f"corner layer −εΔu + (1, 1)·∇u = f, ε = {eps:g}: pointwise error |u_h − u| (log scale)",
                 fontsize=10)
    fig.tight_layout()
    figures = plotting.save_figure(fig, out_dir / "figures", f"corner_layer_eps{eps:g}")
    plt.close(fig)
    rows = [{"method": label, "dofs_or_params": int(size), "relative_l2_error_exact": float(error),
             "seconds": float(seconds)} for label, _, size, error, seconds in panels]
    return {"rows": rows, "figures": [str(path.relative_to(out_dir)) for path in figures]}


def demo(out_dir: str | Path = "femngd-results", **kwargs: Any) -> dict[str, Any]:
    """Run the demo study into ``out_dir`` (resumable); returns the ``results.json`` payload."""
    return run_study(copy.deepcopy(DEMO_CONFIG), out_dir, **kwargs)
