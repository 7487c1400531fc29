"""``femngd demo``: the ε-sweep of NGD and natural momentum vs Galerkin and SUPG on defaults."""
from __future__ import annotations

import argparse
import copy
from typing import Any

from .study import add_output_arguments, run_and_report

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from femngd.studies.demo import DEMO_CONFIG, corner_layer_case

    def corner_layer(out_dir, progress):
        return corner_layer_case(out_dir, progress=progress)

    return run_and_report(copy.deepcopy(DEMO_CONFIG), args, cases={"corner_layer_2d": corner_layer})


def register(subparsers: Any) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser(
        "demo", help="ε-sweep: NGD and natural momentum vs Galerkin and SUPG, and one 2D case (about 15 s on 2 cores)",
        description="The main job on built-in defaults: boundary layer -eps u'' + u' = 1 for "
        "eps in {1e-1, 1e-2, 1e-3}; Galerkin, SUPG, Shishkin-mesh Galerkin and FE coefficients "
        "trained by NGD, natural heavy ball, natural Nesterov (H1 metric, optimal parameters) and "
        "Gauss-Newton NGD; then the 2D corner layer at eps = 1e-2 (Galerkin and SUPG on the uniform mesh, "
        "Galerkin on the Shishkin mesh, a shallow tanh network) as maps of the pointwise error. "
        "Prints the tables, writes figures to --out.",
    )
    add_output_arguments(parser, default_out="femngd-results")
    parser.set_defaults(func=_run)
