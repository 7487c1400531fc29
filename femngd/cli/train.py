"""``femngd train``: train one model by natural gradient (or a baseline) and compare it with Galerkin.

Output: a two-column table, or with ``--json`` one object (``final_loss``, ``iterations``,
``relative_l2_error_galerkin``, ``relative_l2_error_exact``, ``diverged``, ``seconds``,
``history`` of per-iteration lists, ``seconds`` cumulative). ``--out DIR`` writes the same
object to DIR/results.json and the final parameters to DIR/params.npz, each atomically
(temporary file + rename). Progress goes to stderr unless ``--quiet``.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .parametric import eps_range
from .common import (add_discretization_arguments, add_figure_arguments, check_figure_paths,
                     discretization_from_args, format_rows, positive_float, positive_int, print_json, write_figures)

__all__ = ["register", "run_training", "HISTORY_KEYS", "EXIT_DIVERGED"]

#: exit code of a run that diverged (its last finite iterate is still reported and saved)
EXIT_DIVERGED = 3

HISTORY_KEYS = ("loss", "relative_l2_error_galerkin", "relative_l2_error_exact", "step", "seconds")
SUMMARY_ERRORS = ("relative_l2_error_galerkin", "relative_h1_error_galerkin", "relative_l2_error_exact")
OPTIMIZER_OPTIONS = ("optimizer", "solve", "step", "reg", "lr", "momentum", "restart", "search")
#: options that choose the method; a free-knot or network run naming none of them runs an ε-robust recipe
METHOD_OPTIONS = ("loss", "metric", "bc", "points", "samples", "optimizer", "solve", "step", "reg", "lr", "momentum",
                  "search")
#: defaults of the plain (non-recipe) path for options whose absence selects the recipe
PLAIN_DEFAULTS = {"loss": "fe-residual", "metric": "gauss-newton", "bc": "hard", "points": "quadrature", "samples": 100,
                  "iterations": 100}


def _momentum(text: str) -> float | str:
    """argparse type: β in [0, 1) or 'auto'."""
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


def _non_negative(text: str, kind: type) -> float | int:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {'an integer' if kind is int else 'a number'}: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be finite and >= 0, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    """argparse type: a finite float ≥ 0."""
    return _non_negative(text, float)


def _non_negative_int(text: str) -> int:
    """argparse type: an integer ≥ 0."""
    return _non_negative(text, int)


def _given_optimizer_options(args: argparse.Namespace) -> dict[str, Any]:
    """The optimizer options named on the command line."""
    given = {key: getattr(args, key) for key in ("lr", "momentum", "solve", "reg", "step", "search")
             if getattr(args, key) is not None}
    if args.restart:
        given["restart"] = args.restart
    return given


#: options a preset fixes itself (naming one with --preset is an error, not a silent no-op)
PRESET_FIXED = ("eps", "n", "dim", "problem", "degree", "mesh", "model", "activation", "poly_degree", "modes", "knots",
                "loss", "bc", "points", "samples", "metric")


def _check_preset_options(args: argparse.Namespace) -> None:
    """ValueError naming the first option that ``--preset`` would ignore (given with a non-default value)."""
    for key in PRESET_FIXED:
        if getattr(args, key) != args.parser_defaults[key]:
            raise ValueError(f"--{key.replace('_', '-')}: --preset {args.preset} fixes the problem, mesh, model and "
                             "loss itself (it takes --width, --depth, --seed and optimizer options); drop this option")


def _from_preset(args: argparse.Namespace) -> dict[str, Any]:
    """Problem, model, objective, meter and optimizer of ``--preset`` (optimizer options override)."""
    from femngd.optim import build_optimizer
    from femngd.presets import poisson2d

    preset = poisson2d(width=args.width or 32, depth=args.depth or 1, seed=args.seed)
    explicit = args.restart or any(getattr(args, key) is not None for key in OPTIMIZER_OPTIONS if key != "restart")
    optimizer = preset.optimizer
    if explicit:
        from femngd.runspec import optimizer_options

        name = args.optimizer or preset.optimizer_options.get("optimizer", "ngd")
        optimizer = build_optimizer(name, **optimizer_options(name, _given_optimizer_options(args),
                                                              preset.optimizer_options))
    return {"problem": preset.problem, "space": preset.space, "model": preset.model, "objective": preset.objective,
            "meter": preset.meter, "optimizer": optimizer}


def spec_from_args(args: argparse.Namespace):
    """The :class:`~femngd.runspec.RunSpec` the options describe (plain path, defaults already filled in)."""
    from femngd.runspec import RunSpec

    return RunSpec(problem=args.problem, eps=args.eps, dim=args.dim, mesh=args.mesh, n=args.n, degree=args.degree,
                   model=args.model, model_options={"width": args.width or 16, "depth": args.depth or 1,
                                                    "activation": args.activation, "degree": args.poly_degree,
                                                    "n_modes": args.modes, "n_knots": args.knots, "bc": args.bc},
                   loss=args.loss, metric=args.metric,
                   objective_options={"bc": args.bc, "points": args.points, "samples": args.samples},
                   optimizer=args.optimizer or "ngd", optimizer_options=_given_optimizer_options(args), seed=args.seed)


def _from_options(args: argparse.Namespace) -> dict[str, Any]:
    """Problem, space, model, objective, meter and optimizer described by the options."""
    parts = spec_from_args(args).build()
    return {"problem": parts.problem, "space": parts.space, "model": parts.model, "objective": parts.objective,
            "meter": parts.meter, "optimizer": parts.optimizer}


#: models whose runs naming no method option run an ε-robust recipe (:mod:`femngd.recipes`), and its names
RECIPES = {"freeknot": ("freeknot-recipe", "knot-dual-residual"), "shallow": ("network-recipe", "fe-residual-dual"),
           "mlp": ("network-recipe", "fe-residual-dual")}


def _recipe_requested(args: argparse.Namespace) -> bool:
    """A free-knot or network run naming no method option runs its ε-robust recipe (:mod:`femngd.recipes`)."""
    if args.preset or args.model not in RECIPES or args.restart:
        return False
    return all(getattr(args, key) is None for key in METHOD_OPTIONS)


def _from_recipe(args: argparse.Namespace):
    """Problem, space, model and the TrainResult of the model's recipe."""
    from femngd.recipes import NETWORK_MODELS, train_freeknot, train_network

    if args.model == "freeknot" and args.dim != 1:
        raise ValueError("model: free-knot P1 is one-dimensional")
    for key in ("iterations", "tol"):
        if getattr(args, key) is not None:
            raise ValueError(f"--{key}: the {RECIPES[args.model][0]} sets its own budget; name a --loss/--metric/"
                             "--optimizer for a plain run with this option")
    problem, space = discretization_from_args(args)
    if args.model in NETWORK_MODELS:
        result = train_network(problem, space, model=args.model, width=args.width or 32, depth=args.depth or 1,
                               activation=args.activation, seed=args.seed, progress=not args.quiet)
    else:
        result = train_freeknot(problem, space, n_knots=args.knots, seed=args.seed, progress=not args.quiet)
    return problem, space, result.info["model"], result


def run_training(args: argparse.Namespace) -> tuple[dict[str, Any], np.ndarray, dict[str, Any]]:
    """Build everything from the options, train, and summarize: (JSON payload, final θ, the run's parts:
    problem, space, objective, ...)."""
    from femngd.train import train

    start = time.perf_counter()
    if args.eps_range is not None:
        from .parametric import run_parametric

        return run_parametric(args)
    if args.preset:
        _check_preset_options(args)
    args.model = args.model or "fe"
    if _recipe_requested(args):
        problem, space, model, result = _from_recipe(args)
        optimizer, loss_name = RECIPES[args.model]
        parts = {"problem": problem, "space": space,                 # what the errors measured: the model itself
                 "objective": result.info.get("values", result.info["objective"])}
    else:
        for key, default in PLAIN_DEFAULTS.items():
            if getattr(args, key) is None:
                setattr(args, key, default)
        parts = _from_preset(args) if args.preset else _from_options(args)
        model, space, optimizer = parts["model"], parts["space"], parts["optimizer"]
        loss_name = args.loss if not args.preset else "strong-residual"
        result = train(parts["objective"], optimizer, model.init(args.seed), iterations=args.iterations,
                       tol=args.tol, meter=parts["meter"], seed=args.seed, progress=not args.quiet)
    seconds = time.perf_counter() - start
    history = result.history
    last = lambda key: history[key][-1] if history.get(key) else math.nan
    payload = {
        "problem": parts["problem"].name, "eps": parts["problem"].eps, "preset": args.preset, "model": repr(model),
        "n_params": int(model.n_params), "dofs": int(space.n_dofs) if space is not None else None,
        "loss": loss_name,
        "optimizer": optimizer if isinstance(optimizer, str) else getattr(optimizer, "name", args.optimizer), "final_loss": last("loss"),
        "iterations": int(result.iterations), **{key: last(key) for key in SUMMARY_ERRORS},
        "diverged": bool(result.diverged), "message": result.message, "seconds": seconds,
        "auto_momentum": getattr(result, "info", {}).get("auto_momentum"),
        "eps_stages": result.info.get("stages"), "test_cells": result.info.get("test_cells"),
        "history": {key: list(history.get(key, [math.nan] * (result.iterations + 1)))
                    for key in (*HISTORY_KEYS, "rank", "condition")},
    }
    return payload, result.theta, parts


def _save(out: Path, payload: dict[str, Any], theta: np.ndarray) -> None:
    """results.json and params.npz in ``out``, each written atomically."""
    from femngd.io import atomic_write, atomic_write_json

    atomic_write(out / "params.npz", lambda handle: np.savez(handle, theta=theta))
    atomic_write_json(out / "results.json", payload)


def _run(args: argparse.Namespace) -> int:
    from femngd.io import check_writable_dir

    out = check_writable_dir(args.out) if args.out else None     # before any work: never lose a result
    check_figure_paths(args)
    payload, theta, parts = run_training(args)
    if out is not None:
        _save(out, payload, theta)
    if args.plot and "test_eps" in payload:
        from .parametric import plot_test_errors

        plot_test_errors(payload, args.plot)
    elif args.plot or args.vtk:
        from femngd.results import trained_result

        if parts.get("space") is None:
            raise ValueError("--plot/--vtk: this run has no FE space to draw on")
        write_figures(args, trained_result(parts["problem"], parts["space"], parts["objective"], theta))
    if args.json:
        print_json(payload)
    else:
        print(format_rows([(k, v) for k, v in payload.items() if k not in ("history", "auto_momentum")]))
    if payload["diverged"]:
        print(f"femngd: diverged: {payload['message']}", file=sys.stderr)
        return EXIT_DIVERGED
    return 0


def _add_model_arguments(parser: argparse.ArgumentParser, names: dict[str, tuple]) -> None:
    parser.add_argument("--preset", choices=("poisson2d",), default=None,
                        help="poisson2d: the ENGD 2D Poisson benchmark (2-32-1 tanh, 784+116 points, Gauss-Newton, "
                        "least squares, grid line search; discretization options ignored); --width 64 for 2-64-1")
    parser.add_argument("--model", choices=names["models"], default=None,
                        help="model (default: fe; with --eps-range: mlp, the only parametric model)")
    parser.add_argument("--width", type=positive_int, default=None, help="network width (default: 16; preset and network recipe 32)")
    parser.add_argument("--depth", type=positive_int, default=None,
                        help="MLP hidden layers (default: 1; with --eps-range 2 of width 20)")
    parser.add_argument("--activation", default="tanh", help="tanh, sigmoid, softplus, relu<k> (default: tanh)")
    parser.add_argument("--poly-degree", type=_non_negative_int, default=8, help="Legendre degree for --model poly")
    parser.add_argument("--modes", type=positive_int, default=8, help="Fourier modes for --model fourier")
    parser.add_argument("--knots", type=positive_int, default=16, help="interior knots for --model freeknot")


def _add_objective_arguments(parser: argparse.ArgumentParser, names: dict[str, tuple]) -> None:
    parser.add_argument("--loss", choices=names["losses"], default=None,
                        help="loss (default: fe-residual; free knots, shallow, mlp with no method option: their ε-robust "
                        "recipes)")
    parser.add_argument("--bc", choices=names["bcs"], default=None,
                        help="hard: v = d(x) N(x) + lift; interior: FE losses on interior DOFs (also kl); "
                        "penalty: boundary penalty (strong residual) (default: hard)")
    parser.add_argument("--points", choices=names["points"], default=None,
                        help="strong-residual points (default: quadrature)")
    parser.add_argument("--samples", type=positive_int, default=None, help="random points per step (default: 100)")
    parser.add_argument("--metric", choices=names["metrics"], default=None, help="metric of the natural gradient (default: gauss-newton)")


def _add_optimizer_arguments(parser: argparse.ArgumentParser, names: dict[str, tuple]) -> None:
    parser.add_argument("--optimizer", choices=names["optimizers"], default=None, help="optimizer (default: ngd)")
    parser.add_argument("--momentum", type=_momentum, default=None, help="β in [0, 1) or 'auto'")
    parser.add_argument("--restart", nargs="?", const="function", choices=("function", "gradient"), default=None,
                        help="adaptive restart of the momentum: 'function' (the default when named alone: forget it "
                        "when the loss rises) or 'gradient' (when the update goes uphill)")
    parser.add_argument("--search", choices=("direction", "whole"), default=None,
                        help="what the line search scales: the descent direction, the momentum added at full β "
                        "(default), or the whole update")
    parser.add_argument("--solve", choices=names["solves"], default=None,
                        help="regularized Gram solve (default: tikhonov; preset lstsq)")
    parser.add_argument("--reg", type=_non_negative_float, default=None,
                        help="Tikhonov λ (relative) or cutoff (default: 1e-10; preset eps·p)")
    parser.add_argument("--step", choices=names["steps"], default=None, help="step rule (default: fixed; preset grid)")
    parser.add_argument("--lr", type=_learning_rate, default=None,
                        help="(initial) step size, or 'auto' for 2/(λ₁+λ_n) (default: 1)")


def register(subparsers: Any) -> None:
    """Add the ``train`` sub-command."""
    from femngd.natural import BC_NAMES, LOSS_NAMES, METRICS, MODEL_NAMES, POINT_NAMES, SOLVE_METHODS
    from femngd.optim import OPTIMIZERS, STEP_RULES

    names = {"models": MODEL_NAMES, "losses": LOSS_NAMES, "bcs": BC_NAMES, "points": POINT_NAMES,
             "metrics": METRICS, "optimizers": OPTIMIZERS, "solves": SOLVE_METHODS, "steps": STEP_RULES}
    parser = subparsers.add_parser(
        "train", help="train a model by natural gradient descent and compare with Galerkin",
        description="Train a parametric model (FE coefficients, features, networks, free knots) on an "
        "advection-diffusion problem; report errors against the Galerkin and exact solutions.")
    add_discretization_arguments(parser, n_default=32)
    _add_model_arguments(parser, names)
    _add_objective_arguments(parser, names)
    _add_optimizer_arguments(parser, names)
    parser.add_argument("--eps-range", type=eps_range, default=None, metavar="EMIN:EMAX",
                        help="train one model u(x, ε) for every ε in [EMIN, EMAX] (1D layer problem; tested at 20 "
                        "new ε; see femngd.recipes.train_parametric)")
    parser.add_argument("--iterations", type=_non_negative_int, default=None,
                        help="maximum iterations (default: 100; the recipes set their own)")
    parser.add_argument("--tol", type=positive_float, default=None, help="stop when the loss is below this")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initialization and sampling")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--out", default=None, metavar="DIR", help="write results.json and params.npz atomically")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_figure_arguments(parser)
    parser.set_defaults(func=_run, parser_defaults=vars(parser.parse_args([])))
