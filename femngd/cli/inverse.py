"""``femngd inverse``: estimate ε from observations of the solution (:mod:`femngd.inverse`).

The data come from a CSV file (``--data FILE``, header ``x,u``) or are drawn from the exact
solution (``--synthetic-eps E --noise SIGMA --points M --seed S``). Output: a table, or with
``--json`` one object with ``eps_estimate``, ``eps_std``, ``eps_interval`` (95%), ``iterations``,
``seconds``, ``noise_estimate`` and ``fe_least_squares``, the same figures of the classical anchor
run on the same data (``--no-anchor`` skips it); synthetic runs add ``eps_true`` and ``noise``.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import format_rows, positive_float, positive_int, print_json

__all__ = ["register", "run_inverse"]

#: summary keys of an estimate (JSON contract)
ESTIMATE_KEYS = ("eps_estimate", "eps_std", "eps_interval", "noise_estimate", "iterations", "seconds", "method",
                 "message")


def _noise(text: str) -> float:
    """argparse type: a finite noise level ≥ 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be finite and >= 0, got {text}")
    return value


def _observations(args: argparse.Namespace):
    """The observations the options name (a file, or synthetic data); ValueError when both or neither."""
    from femngd.inverse import read_observations, synthetic_observations

    synthetic_only = {"noise": 0.01, "points": 100, "seed": 0}
    if (args.data is None) == (args.synthetic_eps is None):
        raise ValueError("data: give --data FILE or --synthetic-eps E (one of them)")
    if args.data is not None:
        for key in synthetic_only:
            if getattr(args, key) is not None:
                raise ValueError(f"--{key}: only for --synthetic-eps data (drop it with --data)")
        return read_observations(args.data)
    for key, default in synthetic_only.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    return synthetic_observations(args.synthetic_eps, args.noise, args.points, args.seed)


def _summary(result) -> dict[str, Any]:
    return {key: getattr(result, key) for key in ESTIMATE_KEYS}


def run_inverse(args: argparse.Namespace) -> dict[str, Any]:
    """Estimate ε as the options describe; the JSON payload."""
    from femngd.inverse import estimate_eps, fe_least_squares

    if args.unknown != "eps":
        raise ValueError("--unknown b: the direction of b is a 2D unknown, and femngd inverse is 1D for now "
                         "(--unknown eps)")
    data = _observations(args)
    if not args.quiet:
        print(f"femngd inverse: {len(data.u)} observations, P2 on {args.n} cells", file=sys.stderr)
    payload = {"problem": "layer_1d", "points": int(len(data.u)), "n": args.n,
               **_summary(estimate_eps(data, n=args.n))}
    if args.synthetic_eps is not None:
        payload.update(eps_true=args.synthetic_eps, noise=args.noise, seed=args.seed)
    if not args.no_anchor:
        payload["fe_least_squares"] = _summary(fe_least_squares(data, n=args.n))
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
        "inverse", help="estimate ε from observations of the solution",
        description="Estimate the diffusion ε of -εu'' + u' = 1 on (0, 1) from noisy observations of u by "
        "Gauss-Newton natural gradient on the joint parameters (P2 coefficients, ln ε), with its uncertainty; "
        "the FE-constrained least squares (scipy, one Galerkin solve per evaluation) runs on the same data.")
    parser.add_argument("--data", default=None, metavar="FILE", help="CSV file with the header x,u")
    parser.add_argument("--synthetic-eps", type=positive_float, default=None, metavar="E",
                        help="draw the data from the exact solution at this ε instead")
    parser.add_argument("--noise", type=_noise, default=None,
                        help="synthetic noise std relative to max|u| (default: 0.01)")
    parser.add_argument("--points", type=positive_int, default=None, help="synthetic observations (default: 100)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the synthetic points and noise (default: 0)")
    parser.add_argument("--unknown", choices=("eps", "b"), default="eps", help="what to estimate (default: eps)")
    parser.add_argument("--n", type=positive_int, default=256, help="cells of the P2 model mesh (default: 256)")
    parser.add_argument("--no-anchor", action="store_true", help="skip the FE-constrained least squares")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=_run)
