"""``femngd train``: train one model by natural gradient (or a baseline) and compare it with Galerkin.

Output: a two-column table, or with ``--json`` one object (``final_loss``, ``iterations``, ``n_points``,
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
                     format_rows, positive_float, positive_int, print_json, write_figures)

__all__ = ["register", "run_training", "HISTORY_KEYS", "EXIT_DIVERGED"]

#: exit code of a run that diverged (its last finite iterate is still reported and saved)
EXIT_DIVERGED = 3

HISTORY_KEYS = ("loss", "relative_l2_error_galerkin", "relative_l2_error_exact", "step", "seconds")
SUMMARY_ERRORS = ("relative_l2_error_galerkin", "relative_h1_error_galerkin", "relative_l2_error_exact")
#: options that choose the method; a free-knot or network run naming none of them runs an ε-robust recipe
METHOD_OPTIONS = ("loss", "metric", "bc", "points", "samples", "gram", "optimizer", "solve", "step", "reg", "lr",
                  "momentum", "search", "diagnostics")


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
    if args.diagnostics is not None:          # 0: none, 1: every Gram matrix, k: every k-th
        given["diagnostics"] = {0: False, 1: True}.get(args.diagnostics, args.diagnostics)
    return given


#: options a preset fixes itself (naming one with --preset is an error, not a silent no-op)
PRESET_FIXED = ("eps", "n", "dim", "problem", "degree", "mesh", "model", "activation", "poly_degree", "modes", "knots",
                "loss", "bc", "points", "samples", "metric")
#: command-line model options → the model (or recipe) option each one is
MODEL_ARGUMENTS = {"width": "width", "depth": "depth", "activation": "activation", "poly_degree": "degree",
                   "modes": "n_modes", "knots": "n_knots", "bc": "bc"}
#: command-line objective options → the loss option each one is
OBJECTIVE_ARGUMENTS = {"bc": "bc", "points": "points", "samples": "samples", "gram": "gram"}
#: the JSON ``optimizer`` and ``loss`` of the recipes' runs
RECIPE_LABELS = {"freeknot": ("freeknot-recipe", "knot-dual-residual"), "network": ("network-recipe", "fe-residual-dual")}


def _check_preset_options(args: argparse.Namespace) -> None:
    """ValueError naming the first option that ``--preset`` would ignore (given with a non-default value)."""
    for key in PRESET_FIXED:
        if getattr(args, key) != args.parser_defaults[key]:
            raise ValueError(f"--{key.replace('_', '-')}: --preset {args.preset} fixes the problem, mesh, model and "
                             "loss itself (it takes --width, --depth, --seed and optimizer options); drop this option")


def _options(args: argparse.Namespace, arguments: dict[str, str], accepted: tuple[str, ...], what: str,
             strict: tuple[str, ...] = ()) -> dict[str, Any]:
    """The options named on the command line among ``arguments`` that the piece takes; a named one it does not
    take is a ValueError (it would be ignored) when listed in ``strict``."""
    options = {}
    for arg, key in arguments.items():
        value = getattr(args, arg)
        if value is None:
            continue
        if key in accepted:
            options[key] = value
        elif arg in strict:
            raise ValueError(f"--{arg.replace('_', '-')}: not an option of {what} (it takes: {', '.join(accepted)})")
    return options


def _preset_spec(args: argparse.Namespace):
    """The preset's :class:`~femngd.runspec.RunSpec`, with the optimizer options named on the command line."""
    from dataclasses import replace

    from femngd.presets import PRESETS
    from femngd.runspec import optimizer_options

    _check_preset_options(args)
    spec = PRESETS[args.preset](width=args.width or 32, depth=args.depth or 1, seed=args.seed)
    given = _given_optimizer_options(args)
    if args.optimizer is None and not given:
        return spec
    name = args.optimizer or spec.optimizer
    return replace(spec, optimizer=name, optimizer_options=optimizer_options(name, given, spec.optimizer_options))


def _recipe_requested(args: argparse.Namespace, model: str) -> str | None:
    """The recipe a free-knot or network run naming no method option runs (:mod:`femngd.recipes`), or None."""
    from femngd.recipes import MODEL_RECIPES

    if model not in MODEL_RECIPES or args.restart or any(getattr(args, key) is not None for key in METHOD_OPTIONS):
        return None
    return MODEL_RECIPES[model]


def spec_from_args(args: argparse.Namespace):
    """The :class:`~femngd.runspec.RunSpec` the options describe (a preset, a recipe or the plain path)."""
    from femngd.natural import LOSSES, MODELS
    from femngd.recipes import RECIPES
    from femngd.runspec import DEFAULT_LOSS, RunSpec

    if args.preset:
        return _preset_spec(args)
    model = args.model or "fe"
    base = dict(problem=args.problem, eps=args.eps, dim=args.dim, mesh=args.mesh, n=args.n, degree=args.degree,
                model=model, seed=args.seed)
    recipe = _recipe_requested(args, model)
    if recipe is not None:
        for key in ("iterations", "tol"):
            if getattr(args, key) is not None:
                raise ValueError(f"--{key}: the {RECIPE_LABELS[recipe][0]} sets its own budget; name a --loss/"
                                 "--metric/--optimizer for a plain run with this option")
        options = _options(args, MODEL_ARGUMENTS, RECIPES.entry(recipe).options, f"the {recipe} recipe",
                           strict=tuple(MODEL_ARGUMENTS))
        return RunSpec(**base, model_options=options, recipe=recipe)
    model_options = _options(args, MODEL_ARGUMENTS, MODELS.entry(model).options, f"model {model!r}",
                             strict=tuple(a for a in MODEL_ARGUMENTS if a != "bc"))
    loss = args.loss or DEFAULT_LOSS
    objective_options = _options(args, OBJECTIVE_ARGUMENTS, LOSSES.entry(loss).options, f"loss {loss!r}",
                                 strict=("points", "samples", "gram"))
    return RunSpec(**base, model_options=model_options, loss=args.loss, metric=args.metric,
                   objective_options=objective_options, optimizer=args.optimizer,
                   optimizer_options=_given_optimizer_options(args))


def _summary(args, parts, result, loss_name: str, optimizer_name: str, model, objective,
             seconds: float) -> dict[str, Any]:
    """The JSON payload of a run (module doc); ``n_points``: the objective's points per step."""
    history = result.history
    last = lambda key: history[key][-1] if history.get(key) else math.nan
    space = parts["space"]
    return {
        "problem": parts["problem"].name, "eps": parts["problem"].eps, "preset": args.preset, "model": repr(model),
        "n_params": int(model.n_params), "dofs": int(space.n_dofs) if space is not None else None,
        "loss": loss_name, "optimizer": optimizer_name, "n_points": objective.n_points, "final_loss": last("loss"),
        "iterations": int(result.iterations), **{key: last(key) for key in SUMMARY_ERRORS},
        "diverged": bool(result.diverged), "message": result.message, "seconds": seconds,
        "auto_momentum": result.info.get("auto_momentum"),
        "eps_stages": result.info.get("stages"), "test_cells": result.info.get("test_cells"),
        "history": {key: list(history.get(key, [math.nan] * (result.iterations + 1)))
                    for key in (*HISTORY_KEYS, "rank", "condition")},
    }


def run_training(args: argparse.Namespace) -> tuple[dict[str, Any], np.ndarray, dict[str, Any]]:
    """Build the run from the options (one :class:`~femngd.runspec.RunSpec`), train, and summarize:
    (JSON payload, final θ, the run's parts: problem, space, objective, ...)."""
    start = time.perf_counter()
    if args.eps_range is not None:
        from .parametric import run_parametric

        return run_parametric(args)
    spec = spec_from_args(args)
    if spec.recipe is not None:
        result = spec.run(progress=not args.quiet)
        problem, space = spec.discretization()
        parts = {"problem": problem, "space": space,                 # what the errors measured: the model itself
                 "objective": result.info.get("values", result.info["objective"])}
        optimizer_name, loss_name = RECIPE_LABELS[spec.recipe]
        model, objective = result.info["model"], result.info["objective"]
    else:
        built = spec.build()
        parts = {"problem": built.problem, "space": built.space, "model": built.model, "objective": built.objective,
                 "meter": built.meter, "optimizer": built.optimizer}
        result = built.train(iterations=100 if args.iterations is None else args.iterations, tol=args.tol,
                             progress=not args.quiet)
        optimizer_name, loss_name, model, objective = built.optimizer.name, spec.loss_name, built.model, built.objective
    payload = _summary(args, parts, result, loss_name, optimizer_name, model, objective, time.perf_counter() - start)
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
    parser.add_argument("--width", type=positive_int, default=None,
                        help="network width (default: 16; preset and network recipe 32)")
    parser.add_argument("--depth", type=positive_int, default=None,
                        help="MLP hidden layers (default: 1; with --eps-range 2 of width 20)")
    parser.add_argument("--activation", default=None, help="tanh, sigmoid, softplus, relu<k> (default: tanh)")
    parser.add_argument("--poly-degree", type=_non_negative_int, default=None,
                        help="Legendre degree for --model poly (default: 8)")
    parser.add_argument("--modes", type=positive_int, default=None, help="Fourier modes for --model fourier (default: 8)")
    parser.add_argument("--knots", type=positive_int, default=None,
                        help="interior knots for --model freeknot (default: 16)")


#: the options that choose a piece by name: (flag, the registry's names in ``names``, help)
CHOICE_OPTIONS = (
    ("--loss", "losses", "loss (default: fe-residual; free knots, shallow, mlp with no method option: their "
     "ε-robust recipes)"),
    ("--bc", "bcs", "hard: v = d(x) N(x) + lift; interior: FE losses on interior DOFs (also kl); penalty: boundary "
     "penalty (strong residual) (default: hard)"),
    ("--points", "points", "strong-residual points (default: quadrature)"),
    ("--gram", "grams", "how the strong residual holds G = JᵀWJ: auto (the m × m kernel J Jᵀ when there are fewer "
     "points m than parameters p, else p × p), dense or kernel (default: auto)"),
    ("--metric", "metrics", "metric of the natural gradient (default: gauss-newton)"),
    ("--optimizer", "optimizers", "optimizer (default: ngd)"),
    ("--search", "searches", "what the line search scales: the descent direction, the momentum added at full β "
     "(default), or the whole update"),
    ("--solve", "solves", "regularized Gram solve (default: tikhonov; preset lstsq)"),
    ("--step", "steps", "step rule (default: fixed; preset grid)"),
)


def _add_method_arguments(parser: argparse.ArgumentParser, names: dict[str, tuple]) -> None:
    """The options that choose the objective and the optimizer (any of them turns a recipe off)."""
    for flag, key, text in CHOICE_OPTIONS:
        parser.add_argument(flag, choices=names[key], default=None, help=text)
    parser.add_argument("--samples", type=positive_int, default=None, help="random points per step (default: 100)")
    parser.add_argument("--momentum", type=_momentum, default=None, help="β in [0, 1) or 'auto'")
    parser.add_argument("--restart", nargs="?", const="function", choices=names["restarts"], default=None,
                        help="adaptive restart of the momentum: 'function' (the default when named alone: forget it "
                        "when the loss rises) or 'gradient' (when the update goes uphill)")
    parser.add_argument("--reg", type=_non_negative_float, default=None,
                        help="Tikhonov λ (relative) or cutoff (default: 1e-10; preset eps·p)")
    parser.add_argument("--lr", type=_learning_rate, default=None,
                        help="(initial) step size, or 'auto' for 2/(λ₁+λ_n) (default: 1)")
    parser.add_argument("--diagnostics", type=_non_negative_int, default=None, metavar="K",
                        help="rank and condition of the Tikhonov solves for every K-th Gram matrix (0: none; "
                        "default: 1, every one; an eigvalsh each)")


def register(subparsers: Any) -> None:
    """Add the ``train`` sub-command."""
    from femngd.natural import BC_NAMES, LOSSES, METRICS, MODELS, POINT_NAMES, SOLVES
    from femngd.natural.kernel_gram import GRAM_FORMS
    from femngd.optim import OPTIMIZERS, RESTARTS, SEARCHES, STEP_RULES

    names = {"models": MODELS.names(), "losses": LOSSES.names(), "bcs": BC_NAMES, "points": POINT_NAMES,
             "metrics": METRICS.names(), "optimizers": OPTIMIZERS.names(), "solves": SOLVES.names(),
             "steps": STEP_RULES.names(), "restarts": RESTARTS, "searches": SEARCHES, "grams": GRAM_FORMS}
    parser = subparsers.add_parser(
        "train", help="train a model by natural gradient descent and compare with Galerkin",
        description="Train a parametric model (FE coefficients, features, networks, free knots) on an "
        "advection-diffusion problem; report errors against the Galerkin and exact solutions.")
    add_discretization_arguments(parser, n_default=32)
    _add_model_arguments(parser, names)
    _add_method_arguments(parser, names)
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
