"""``femngd inverse``: estimate ε (1D) or the direction of b (2D) from observations of the solution
(:mod:`femngd.inverse`).

The data come from a CSV file (``--data FILE``, header ``x,u``; ``x,y,u`` in 2D) or are drawn from the
exact solution (``--synthetic-eps E --noise SIGMA --points M --seed S``; with ``--unknown b`` from the
Galerkin solution for b at ``--synthetic-angle`` degrees). Output: a table, or with ``--json`` one
object with ``eps_estimate``, ``eps_std``, ``eps_interval`` (95%) — with ``--unknown b``:
``b_angle_estimate``, ``b_angle_std``, ``b_angle_interval`` (degrees) and the known ``eps`` —,
``iterations``, ``seconds``, ``noise_estimate`` and ``fe_least_squares``, the same figures of the
classical anchor run on the same data (``--no-anchor`` skips it); synthetic runs add the truth and ``noise``.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import format_rows, positive_float, positive_int, print_json

__all__ = ["register", "run_inverse"]

#: summary keys of an estimate (JSON contract): ε (1D), the direction of b (2D, key → attribute)
ESTIMATE_KEYS = {"eps": {"eps_estimate": "value", "eps_std": "std", "eps_interval": "interval"},
                 "b": {"b_angle_estimate": "value", "b_angle_std": "std", "b_angle_interval": "interval"}}
COMMON_KEYS = ("noise_estimate", "iterations", "seconds", "method", "message")


def _noise(text: str) -> float:
    """argparse type: a finite noise level ≥ 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be finite and >= 0, got {text}")
    return value


def _check_unknown_options(args: argparse.Namespace) -> None:
    """ValueError naming an option the chosen unknown would ignore, or one it needs and lacks."""
    if args.unknown == "eps":
        for key in ("eps", "synthetic_angle"):
            if getattr(args, key) is not None:
                raise ValueError(f"--{key.replace('_', '-')}: only with --unknown b (ε is the unknown here)")
    elif args.data is not None and args.eps is None:
        raise ValueError("--eps: the direction of b is estimated with ε known; give --eps E with --data")
    elif args.data is None and args.eps is not None:
        raise ValueError("--eps: synthetic data take the known ε from --synthetic-eps; drop --eps")


def _observations(args: argparse.Namespace):
    """The observations the options name (a file, or synthetic data); ValueError when both or neither."""
    from femngd.inverse import read_observations, synthetic_observations, synthetic_observations_2d

    synthetic_only = {"noise": 0.01, "points": 100 if args.unknown == "eps" else 200, "seed": 0}
    if (args.data is None) == (args.synthetic_eps is None):
        raise ValueError("data: give --data FILE or --synthetic-eps E (one of them)")
    if args.data is not None:
        for key in (*synthetic_only, "synthetic_angle"):
            if getattr(args, key) is not None:
                raise ValueError(f"--{key.replace('_', '-')}: only for --synthetic-eps data (drop it with --data)")
        return read_observations(args.data, dim=1 if args.unknown == "eps" else 2)
    for key, default in synthetic_only.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    if args.unknown == "eps":
        return synthetic_observations(args.synthetic_eps, args.noise, args.points, args.seed)
    args.synthetic_angle = 45.0 if args.synthetic_angle is None else args.synthetic_angle
    return synthetic_observations_2d(args.synthetic_angle, args.synthetic_eps, args.noise, args.points, args.seed)


def _summary(result, unknown: str) -> dict[str, Any]:
    return {**{key: getattr(result, attr) for key, attr in ESTIMATE_KEYS[unknown].items()},
            **{key: getattr(result, key) for key in COMMON_KEYS}}


def run_inverse(args: argparse.Namespace) -> dict[str, Any]:
    """Estimate ε (or the direction of b) as the options describe; the JSON payload."""
    from femngd import inverse

    _check_unknown_options(args)
    data = _observations(args)
    n = args.n if args.n is not None else (256 if args.unknown == "eps" else 48)
    if not args.quiet:
        print(f"femngd inverse: {len(data.u)} observations, P2 on {n} cells per direction", file=sys.stderr)
    if args.unknown == "eps":
        estimate, anchor = (lambda: inverse.estimate_eps(data, n=n)), (lambda: inverse.fe_least_squares(data, n=n))
        payload = {"problem": "layer_1d"}
        truth = {"eps_true": args.synthetic_eps}
    else:
        eps = args.eps if args.eps is not None else args.synthetic_eps
        estimate = lambda: inverse.estimate_direction(data, eps, n=n)
        anchor = lambda: inverse.fe_least_squares_direction(data, eps, n=n)
        payload = {"problem": "corner_layer_2d source, b = √2 (cos φ, sin φ)", "eps": eps}
        truth = {"b_angle_true": args.synthetic_angle}
    payload.update(points=int(len(data.u)), n=n, **_summary(estimate(), args.unknown))
    if args.synthetic_eps is not None:
        payload.update(truth, noise=args.noise, seed=args.seed)
    if not args.no_anchor:
        payload["fe_least_squares"] = _summary(anchor(), args.unknown)
    return payload


def _run(args: argparse.Namespace) -> int:
    payload = run_inverse(args)
    if args.json:
        print_json(payload)
    else:
        anchor = payload.get("fe_least_squares")
        rows = [(k, v) for k, v in payload.items() if k != "fe_least_squares"]
        if anchor:
            rows += [(f"fe_least_squares.{k}", v) for k, v in anchor.items()]
        print(format_rows(rows))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``inverse`` sub-command."""
    parser = subparsers.add_parser(
        "inverse", help="estimate ε (or the direction of b) from observations of the solution",
        description="Estimate the diffusion ε of -εu'' + u' = 1 on (0, 1) (or, --unknown b, the direction of b "
        "in 2D) from noisy observations of u by Gauss-Newton natural gradient on the joint parameters (P2 "
        "coefficients, ln ε or the angle of b), with its uncertainty; the FE-constrained least squares (scipy, one "
        "Galerkin solve per evaluation) runs on the same data.")
    parser.add_argument("--data", default=None, metavar="FILE", help="CSV file with the header x,u (2D: x,y,u)")
    parser.add_argument("--synthetic-eps", type=positive_float, default=None, metavar="E",
                        help="draw the data from the exact solution at this ε instead")
    parser.add_argument("--noise", type=_noise, default=None,
                        help="synthetic noise std relative to max|u| (default: 0.01)")
    parser.add_argument("--points", type=positive_int, default=None, help="synthetic observations (default: 100)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the synthetic points and noise (default: 0)")
    parser.add_argument("--unknown", choices=("eps", "b"), default="eps",
                        help="what to estimate: eps (1D), or b, the direction of b in 2D with ε known (default: eps)")
    parser.add_argument("--synthetic-angle", type=float, default=None, metavar="DEG",
                        help="--unknown b: the direction of b of the synthetic data, degrees in [0, 90] (default: 45)")
    parser.add_argument("--eps", type=positive_float, default=None,
                        help="--unknown b with --data: the known diffusion ε")
    parser.add_argument("--n", type=positive_int, default=None,
                        help="cells per direction of the P2 model mesh (default: 256 in 1D, 48 in 2D)")
    parser.add_argument("--no-anchor", action="store_true", help="skip the FE-constrained least squares")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=_run)
