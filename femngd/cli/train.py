"""``femngd train``: train one model by natural gradient (or a baseline) and compare it with Galerkin."""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from .common import (add_discretization_arguments, discretization_from_args, format_rows, positive_float,
                     positive_int, print_json, write_json_atomic)

__all__ = ["register", "run_training"]

HISTORY_KEYS = ("loss", "relative_l2_error_galerkin", "relative_l2_error_exact", "step", "seconds")


def _momentum(text: str) -> float | str:
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1) or 'auto', got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _learning_rate(text: str) -> float | str:
    return text if text == "auto" else positive_float(text)


def run_training(args: argparse.Namespace) -> dict[str, Any]:
    """Build problem, space, model, objective, optimizer from the options; train; summarize."""
    from femngd.natural import ErrorMeter, build_model, build_objective
    from femngd.optim import build_optimizer
    from femngd.train import train

    if args.preset == "poisson2d":
        from femngd.presets import poisson2d
        preset = poisson2d(width=args.width or 32, seed=args.seed)
        problem, space, model, objective = preset.problem, preset.space, preset.model, preset.objective
        meter = preset.meter
        optimizer = build_optimizer("ngd", solve="lstsq", step="grid", reg=args.reg or 1e-14)
    else:
        problem, space = discretization_from_args(args)
        model = build_model(args.model, problem, space, width=args.width or 16, depth=args.depth,
                            activation=args.activation, degree=args.poly_degree, n_modes=args.modes,
                            n_knots=args.knots, bc=args.bc)
        objective = build_objective(problem, space, model, loss=args.loss, metric=args.metric, seed=args.seed,
                                    bc=args.bc, points=args.points, samples=args.samples)
        meter = ErrorMeter(problem, space)
        optimizer = build_optimizer(args.optimizer, lr=args.lr, momentum=args.momentum, restart=args.restart,
                                    solve=args.solve, reg=args.reg if args.reg is not None else 1e-10,
                                    step=args.step)
    theta0 = model.init(args.seed)
    start = time.perf_counter()
    result = train(objective, optimizer, theta0, iterations=args.iterations, tol=args.tol, meter=meter,
                   seed=args.seed, progress=not args.quiet)
    seconds = time.perf_counter() - start
    last = {k: v[-1] for k, v in result.history.items()}
    return {
        "problem": problem.name, "eps": problem.eps, "model": repr(model), "n_params": int(model.n_params),
        "dofs": int(space.n_dofs), "optimizer": getattr(optimizer, "name", args.optimizer),
        "final_loss": last["loss"], "iterations": result.iterations,
        **{key: last.get(key, float("nan")) for key in ("relative_l2_error_galerkin", "relative_h1_error_galerkin",
                                                         "relative_l2_error_exact")},
        "diverged": result.diverged, "message": result.message, "seconds": seconds,
        "auto_momentum": result.info.get("auto_momentum"),
        "history": {k: result.history.get(k, [float("nan")] * (result.iterations + 1))
                    for k in (*HISTORY_KEYS, "rank", "condition")},
        "_theta": result.theta,
    }


def _save(out: Path, payload: dict[str, Any], theta: np.ndarray) -> None:
    """results.json and params.npz in ``out``, each written atomically."""
    import os
    import tempfile

    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "results.json", payload)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".params.", suffix=".npz")
    os.close(fd)
    np.savez(tmp, theta=theta)
    os.replace(tmp, out / "params.npz")


def _run(args: argparse.Namespace) -> int:
    payload = run_training(args)
    theta = payload.pop("_theta")
    if args.out:
        _save(Path(args.out), payload, theta)
    if args.json:
        print_json(payload)
    else:
        rows = [(k, v) for k, v in payload.items() if k not in ("history", "auto_momentum")]
        print(format_rows(rows))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``train`` sub-command."""
    from femngd.natural import BC_NAMES, LOSS_NAMES, MODEL_NAMES, POINT_NAMES, METRICS, SOLVE_METHODS
    from femngd.optim import OPTIMIZERS, STEP_RULES

    parser = subparsers.add_parser(
        "train", help="train a model by natural gradient descent and compare with Galerkin",
        description="Train a parametric model (FE coefficients, features, networks, free knots) on an "
        "advection-diffusion problem; report errors against the Galerkin and exact solutions.")
    add_discretization_arguments(parser, n_default=32)
    parser.add_argument("--preset", choices=("poisson2d",), default=None,
                        help="poisson2d: the ENGD 2D Poisson benchmark (2-32-1 tanh, 784+116 points, "
                        "Gauss-Newton, least squares, grid line search); --width 64 for 2-64-1")
    parser.add_argument("--model", choices=MODEL_NAMES, default="fe", help="model (default: fe)")
    parser.add_argument("--width", type=positive_int, default=None, help="network width (default: 16)")
    parser.add_argument("--depth", type=positive_int, default=1, help="MLP hidden layers (default: 1)")
    parser.add_argument("--activation", default="tanh", help="tanh, sigmoid, softplus, relu<k> (default: tanh)")
    parser.add_argument("--poly-degree", type=int, default=8, help="Legendre degree for --model poly")
    parser.add_argument("--modes", type=positive_int, default=8, help="Fourier modes for --model fourier")
    parser.add_argument("--knots", type=positive_int, default=16, help="interior knots for --model freeknot")
    parser.add_argument("--loss", choices=LOSS_NAMES, default="fe-residual", help="loss (default: fe-residual)")
    parser.add_argument("--bc", choices=BC_NAMES, default="hard",
                        help="hard: v = d(x) N(x) + lift; interior: FE losses on interior DOFs; "
                        "penalty: boundary penalty (strong residual) (default: hard)")
    parser.add_argument("--points", choices=POINT_NAMES, default="quadrature",
                        help="strong-residual points (default: quadrature)")
    parser.add_argument("--samples", type=positive_int, default=100, help="random points per step (default: 100)")
    parser.add_argument("--metric", choices=METRICS, default="l2", help="metric of the natural gradient")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="ngd", help="optimizer (default: ngd)")
    parser.add_argument("--momentum", type=_momentum, default=None, help="β in [0, 1) or 'auto' (default: 0.9)")
    parser.add_argument("--restart", action="store_true", help="function-value restart of the momentum")
    parser.add_argument("--solve", choices=SOLVE_METHODS, default="tikhonov", help="regularized Gram solve")
    parser.add_argument("--reg", type=float, default=None, help="Tikhonov λ (relative) or cutoff (default 1e-10)")
    parser.add_argument("--step", choices=STEP_RULES, default="fixed", help="step rule (default: fixed)")
    parser.add_argument("--lr", type=_learning_rate, default=None,
                        help="(initial) step size, or 'auto' for 2/(λ₁+λ_n) (default: 1)")
    parser.add_argument("--iterations", type=int, default=100, help="maximum iterations (default: 100)")
    parser.add_argument("--tol", type=float, default=None, help="stop when the loss is below this")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initialization and sampling")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--out", default=None, metavar="DIR", help="write results.json and params.npz atomically")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=_run)
