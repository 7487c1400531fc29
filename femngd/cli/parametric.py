"""``femngd train --eps-range EMIN:EMAX``: one model u(x, ε) for a range of ε (:func:`femngd.recipes.train_parametric`).

JSON keys: ``test_eps`` and ``test_errors`` (relative L2 errors against the exact solution at 20
log-spaced ε that are not training values), ``max_relative_l2_error_exact``, ``seconds_per_query``
(one new ε at 1 025 points), with ``eps_range``, ``n_params``, ``final_loss``, ``iterations``,
``windows``, ``seconds``, ``diverged``, ``message`` and the loss ``history``.
"""
from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

__all__ = ["eps_range", "run_parametric", "plot_test_errors", "PARAMETRIC_OPTIONS"]

#: the train options a parametric run uses; any other one given is refused (it would be ignored)
PARAMETRIC_OPTIONS = ("eps_range", "problem", "dim", "model", "width", "depth", "activation", "optimizer", "momentum",
                      "samples", "iterations", "seed", "json", "out", "quiet", "plot")


def eps_range(text: str) -> tuple[float, float]:
    """argparse type: ``EMIN:EMAX`` with 0 < EMIN < EMAX."""
    parts = text.split(":")
    try:
        low, high = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        raise argparse.ArgumentTypeError(f"expected EMIN:EMAX with 0 < EMIN < EMAX, got {text!r}")
    return low, high


def _check_options(args: argparse.Namespace) -> None:
    """ValueError naming the first given option a parametric run would ignore, or a model it cannot train."""
    for key, default in args.parser_defaults.items():
        if key not in PARAMETRIC_OPTIONS and key not in ("func", "parser_defaults") and getattr(args, key) != default:
            raise ValueError(f"--{key.replace('_', '-')}: not used by --eps-range runs (the parametric recipe fixes "
                             "the loss, points, solve and mesh-free errors itself); drop this option")
    if args.problem != "layer" or args.dim != 1:
        raise ValueError("--eps-range: available for the 1D layer problem (--problem layer --dim 1)")
    if args.model not in (None, "mlp"):
        raise ValueError(f"--model {args.model}: --eps-range trains an MLP on (x, log ε) (--model mlp)")
    if args.optimizer is not None and args.optimizer not in ("ngd", "nhb-lm", "nnesterov"):
        raise ValueError(f"--optimizer {args.optimizer}: --eps-range runs ngd, nhb-lm or nnesterov")
    if args.momentum == "auto":
        raise ValueError("--momentum auto: the quadratic theory's (α, β) does not apply to a network; give β")


def run_parametric(args: argparse.Namespace) -> tuple[dict[str, Any], np.ndarray, dict[str, Any]]:
    """Train as the options describe: (JSON payload, θ, parts) like :func:`femngd.cli.train.run_training`."""
    from femngd.recipes import ParametricRecipe, train_parametric

    _check_options(args)
    defaults = ParametricRecipe()
    widths = (args.width or defaults.widths[0],) * (args.depth or len(defaults.widths))
    recipe = ParametricRecipe(widths=widths, activation=args.activation or defaults.activation, optimizer=args.optimizer or "ngd",
                              momentum=args.momentum, final_samples=args.samples or defaults.final_samples,
                              final_iterations=defaults.final_iterations if args.iterations is None else args.iterations)
    result = train_parametric("layer_1d", args.eps_range, recipe, seed=args.seed, progress=not args.quiet)
    history = result.train.history
    payload = {
        "problem": "layer_1d", "eps_range": list(args.eps_range), "model": repr(result.solution.model),
        "n_params": int(result.solution.model.n_params), "loss": "parametric-strong-residual",
        "optimizer": recipe.optimizer, "final_loss": history["loss"][-1], "iterations": result.train.iterations,
        "windows": result.windows, "test_eps": result.test_eps.tolist(), "test_errors": result.test_errors.tolist(),
        "max_relative_l2_error_exact": result.max_error, "seconds_per_query": result.seconds_per_query,
        "diverged": bool(result.train.diverged), "message": result.train.message, "seconds": result.seconds,
        "history": {key: list(history[key]) for key in ("loss", "step", "seconds")},
    }
    return payload, result.solution.theta, {"result": result}


def plot_test_errors(payload: dict[str, Any], path: str) -> None:
    """Relative L2 error vs ε at the test values (log-log), written to ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.loglog(payload["test_eps"], payload["test_errors"], "o-", label="one model u(x, ε)")
    ax.set_xlabel("ε")
    ax.set_ylabel("relative L2 error (exact)")
    ax.set_title(f"ε ∈ [{payload['eps_range'][0]:g}, {payload['eps_range'][1]:g}], {payload['n_params']} parameters")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    from femngd.io import atomic_write

    atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=120))
    plt.close(fig)
