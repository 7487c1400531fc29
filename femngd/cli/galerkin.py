"""``femngd galerkin``: the Galerkin (or SUPG) reference solution and its errors."""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from .common import (add_discretization_arguments, add_figure_arguments, check_figure_paths, discretization_from_args,
                     format_rows, print_json, write_figures)

__all__ = ["register", "solve_reference"]


def solve_reference(problem, space, stabilization: str = "none") -> tuple[dict[str, Any], Any]:
    """Solve and measure: (dofs, mesh Péclet number, errors against the exact solution, overshoot, seconds of
    assembly and solve; the DOF vector)."""
    from femngd.fem import assemble_system, error_report
    from femngd.fem.galerkin import mesh_peclet

    start = time.perf_counter()
    system = assemble_system(problem, space, stabilization=stabilization)
    u = system.solve()
    seconds = time.perf_counter() - start
    peclet = system.peclet if system.peclet is not None else mesh_peclet(problem, space)
    out: dict[str, Any] = {"dofs": int(space.n_dofs), "mesh_peclet": peclet,
                           **error_report(space, u, problem.exact, problem.exact_grad)}
    if problem.exact is not None:
        out["overshoot"] = float(max(0.0, u.max() - problem.exact(space.dof_locations).max()))
    out["seconds"] = seconds
    return out, u


def _run(args: argparse.Namespace) -> int:
    check_figure_paths(args)
    problem, space = discretization_from_args(args)
    result, u = solve_reference(problem, space, args.stabilization)
    peclet = result["mesh_peclet"]
    if args.stabilization == "none" and args.mesh != "shishkin" and peclet > 1.0:
        print(f"femngd: warning: mesh Péclet number {peclet:.2g} > 1: unstabilized Galerkin oscillates on this mesh; "
              "use --stabilization supg or --mesh shishkin", file=sys.stderr)
    generated = args.mesh in ("uniform", "shishkin")          # --n means nothing for a mesh file
    result = {"problem": problem.name, "eps": args.eps, **({"n": args.n} if generated else {}), "dim": args.dim,
              "degree": args.degree, "mesh": args.mesh, "stabilization": args.stabilization, **result}
    if args.plot or args.vtk:
        from femngd.results import galerkin_result

        write_figures(args, galerkin_result(problem, space, args.stabilization, u=u))
    if args.json:
        print_json(result)
    else:
        print(format_rows(list(result.items())))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``galerkin`` sub-command."""
    parser = subparsers.add_parser(
        "galerkin", help="Galerkin/SUPG reference solution and its errors",
        description="Solve -eps u'' + b.grad u = f with P1/P2 finite elements (Galerkin or SUPG) "
        "and report the errors against the exact solution.")
    add_discretization_arguments(parser)
    parser.add_argument("--stabilization", choices=("none", "supg"), default="none",
                        help="none (Galerkin) or supg (default: none)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add_figure_arguments(parser)
    parser.set_defaults(func=_run)
