"""Command-line pieces shared by the subcommands: the problem/mesh/space options, JSON output."""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_discretization_arguments", "discretization_from_args", "positive_float", "positive_int",
           "print_json", "format_rows"]


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be finite and > 0, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def add_discretization_arguments(parser: argparse.ArgumentParser, n_default: int = 64) -> None:
    """--eps, --n, --dim, --problem, --degree, --mesh."""
    from femngd.fem import PROBLEM_NAMES

    parser.add_argument("--eps", type=positive_float, default=1e-2, help="diffusion ε > 0 (default: %(default)s)")
    parser.add_argument("--n", type=positive_int, default=n_default,
                        help="cells per direction (default: %(default)s)")
    parser.add_argument("--dim", type=int, choices=(1, 2), default=1, help="space dimension (default: 1)")
    parser.add_argument("--problem", choices=PROBLEM_NAMES, default="layer",
                        help="layer: boundary/corner layer; smooth: manufactured; poisson (default: layer)")
    parser.add_argument("--degree", type=int, choices=(1, 2), default=1, help="P1 or P2 (default: 1)")
    parser.add_argument("--mesh", default="uniform", metavar="uniform|shishkin|PATH",
                        help="uniform, shishkin (layer-adapted) or a 2D mesh file (default: uniform)")


def discretization_from_args(args: argparse.Namespace):
    """(problem, space) described by the options of :func:`add_discretization_arguments`."""
    from femngd.fem import FESpace, make_mesh, make_problem

    problem = make_problem(args.problem, args.eps, args.dim)
    mesh = make_mesh(args.mesh, args.n, args.dim, eps=args.eps, degree=args.degree)
    return problem, FESpace(mesh, degree=args.degree)


def print_json(payload: dict[str, Any]) -> None:
    """One JSON object on stdout (NaN → null)."""
    from femngd.io import jsonable

    json.dump(jsonable(payload), sys.stdout)
    sys.stdout.write("\n")


def add_figure_arguments(parser: argparse.ArgumentParser) -> None:
    """--plot FILE.png and --vtk FILE.vtu (:mod:`femngd.results`)."""
    parser.add_argument("--plot", default=None, metavar="FILE.png",
                        help="write a figure: 1D curves, or 2D solution | log error | trained − Galerkin")
    parser.add_argument("--vtk", default=None, metavar="FILE.vtu",
                        help="write the mesh with the solutions and errors as point data (ParaView)")


def check_figure_paths(args: argparse.Namespace) -> None:
    """Refuse --plot/--vtk paths that cannot be written, before any work."""
    from femngd.io import check_writable_dir

    for option, suffix in (("--plot", ".png"), ("--vtk", ".vtu")):
        value = getattr(args, option[2:])
        if value is None:
            continue
        if Path(value).suffix.lower() != suffix:
            raise ValueError(f"{option}: expected a {suffix} file name, got {value!r}")
        check_writable_dir(Path(value).parent, option)


def write_figures(args: argparse.Namespace, result) -> None:
    """Write the --plot and --vtk files of a :class:`femngd.results.FieldResult`."""
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        result.save_plot(args.plot)
    if args.vtk:
        result.to_vtk(args.vtk)


def format_rows(rows: list[tuple[str, Any]]) -> str:
    """A two-column human-readable table."""
    width = max(len(k) for k, _ in rows)
    lines = []
    for key, value in rows:
        text = f"{value:.4e}" if isinstance(value, float) else str(value)
        lines.append(f"{key:<{width}}  {text}")
    return "\n".join(lines)
