"""Errors of FE functions against exact solutions, and observed convergence orders.

    ‖u − u_h‖_{L2} = (∫ (u − u_h)²)^{1/2}          l2_error
    |u − u_h|_{H1} = (∫ |∇u − ∇u_h|²)^{1/2}         h1_error
    max_j |u(x_j) − U_j|                           max_nodal_error

Layers of width ε much smaller than the cells are invisible to an ordinary Gauss rule. The
layers of advection–diffusion sit at the outflow boundary, so in 1D the two cells touching
the boundary get a composite 8-point Gauss rule graded geometrically (ratio 0.6) towards both
cell ends down to ``resolution`` (default 1e-14) of the cell: a layer of any width ε ≥ 1e-12·h
is integrated to ~1e-11 relative accuracy. Other cells, and all cells in 2D, use a Gauss rule
of order 2k + 8, enough for layers that the mesh resolves.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from skfem.element import ElementTriP1
from skfem.quadrature import get_quadrature
from skfem.refdom import RefTri

from .quadrature import breakpoint_rule, graded_rule
from .spaces import FESpace

__all__ = ["graded_rule", "breakpoint_rule", "l2_error", "h1_error", "max_nodal_error",
           "relative_l2_error", "relative_h1_error", "l2_norm", "observed_orders", "error_report", "quadrature_fields",
           "quadrature_chunks"]

PointFunction = Callable[[np.ndarray], np.ndarray]


#: triangles per chunk of the P1 error quadrature (25 points each at order 10: ~1.6 M points, ~100 MB)
ERROR_CHUNK = 65_536


def _is_p1_triangles(space: FESpace) -> bool:
    return space.dim == 2 and space.degree == 1 and isinstance(space.element, ElementTriP1)


def _p1_triangle_chunks(space: FESpace, u: np.ndarray, chunk: int = ERROR_CHUNK):
    """The P1-on-triangles error quadrature, ``chunk`` cells at a time, without a scikit-fem basis.

    On a cell with vertices p₀, p₁, p₂ and J = [p₁ − p₀, p₂ − p₀]: x = p₀ + J ξ, dx = |det J| w,
    u_h(x) = Σᵢ λᵢ(ξ) Uᵢ and ∇u_h = J⁻ᵀ (U₁ − U₀, U₂ − U₀) (constant on the cell), with the Gauss rule
    of order 2k + 8 on the reference triangle that :meth:`FESpace.error_bases` uses.
    """
    xi, w = get_quadrature(RefTri, 2 * space.degree + 8)
    lam = np.vstack([1.0 - xi[0] - xi[1], xi[0], xi[1]])                      # (3, q) barycentric
    vertex_values = u[space.exact_basis.nodal_dofs[0]]
    p, t = space.mesh.p, space.mesh.t
    for start in range(0, t.shape[1], chunk):
        cells = t[:, start:start + chunk]
        corners = p[:, cells]                                                  # (2, 3, E)
        (a, c), (b, d) = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]   # J = [[a, b], [c, d]]
        det = a * d - b * c
        values = vertex_values[cells]                                          # (3, E)
        du1, du2 = values[1] - values[0], values[2] - values[0]
        grad = np.stack([(d * du1 - c * du2) / det, (a * du2 - b * du1) / det], axis=1)   # J⁻ᵀ (du1, du2)
        q = lam.shape[1]
        yield ((values.T @ lam).ravel(), np.repeat(grad, q, axis=0),
               np.einsum("dve,vq->eqd", corners, lam).reshape(-1, 2), (np.abs(det)[:, None] * w).ravel())


def quadrature_chunks(space: FESpace, u: np.ndarray, resolution: float = 1e-14):
    """Yield (u_h values (q,), ∇u_h (q, dim), points (q, dim), weights (q,)) of the error quadrature, in
    pieces whose union is the whole rule (P1 on triangles: :data:`ERROR_CHUNK` cells at a time)."""
    u = space.check_vector(u, "u")
    if _is_p1_triangles(space):
        yield from _p1_triangle_chunks(space, u)
        return
    for basis in space.error_bases(resolution):
        field = basis.interpolate(u)
        yield (np.asarray(field).ravel(), np.asarray(field.grad).reshape(space.dim, -1).T,
               np.asarray(basis.global_coordinates()).reshape(space.dim, -1).T, np.asarray(basis.dx).ravel())


def quadrature_fields(space: FESpace, u: np.ndarray, resolution: float = 1e-14):
    """(u_h values (q,), ∇u_h (q, dim), points (q, dim), weights (q,)) of the whole error quadrature."""
    return tuple(np.concatenate(arrays) for arrays in zip(*quadrature_chunks(space, u, resolution)))


def _check_callable(name: str, func) -> None:
    if not callable(func):
        raise ValueError(f"{name}: need a callable exact solution, got {func!r}")


def l2_error(space: FESpace, u: np.ndarray, exact: PointFunction, resolution: float = 1e-14) -> float:
    """‖u_exact − u_h‖_{L2(Ω)} for the FE function with DOF vector ``u``."""
    _check_callable("exact", exact)
    value, _, rows, dx = quadrature_fields(space, u, resolution)
    diff = value - exact(rows)
    return float(np.sqrt(np.sum(dx * diff**2)))


def l2_norm(space: FESpace, func: PointFunction, resolution: float = 1e-14) -> float:
    """‖func‖_{L2(Ω)} with the error quadrature."""
    return l2_error(space, np.zeros(space.n_dofs), func, resolution)


def h1_error(space: FESpace, u: np.ndarray, exact_grad: PointFunction, resolution: float = 1e-14) -> float:
    """|u_exact − u_h|_{H1(Ω)} = ‖∇u_exact − ∇u_h‖_{L2}, given ∇u_exact: (m, dim) → (m, dim)."""
    _check_callable("exact_grad", exact_grad)
    _, grad_h, rows, dx = quadrature_fields(space, u, resolution)
    diff = grad_h - exact_grad(rows)
    return float(np.sqrt(np.sum(dx * np.sum(diff**2, axis=1))))


def relative_l2_error(space: FESpace, u: np.ndarray, exact: PointFunction, resolution: float = 1e-14) -> float:
    """‖u_exact − u_h‖_{L2} / ‖u_exact‖_{L2}."""
    norm = l2_norm(space, exact, resolution)
    if norm == 0:
        raise ValueError("exact: is zero, a relative error is undefined")
    return l2_error(space, u, exact, resolution) / norm


def relative_h1_error(space: FESpace, u: np.ndarray, exact_grad: PointFunction, resolution: float = 1e-14) -> float:
    """|u_exact − u_h|_{H1} / |u_exact|_{H1}."""
    norm = h1_error(space, np.zeros(space.n_dofs), exact_grad, resolution)
    if norm == 0:
        raise ValueError("exact_grad: is zero, a relative error is undefined")
    return h1_error(space, u, exact_grad, resolution) / norm


def max_nodal_error(space: FESpace, u: np.ndarray, exact: PointFunction) -> float:
    """max_j |u_exact(x_j) − U_j| over all DOF locations."""
    _check_callable("exact", exact)
    u = space.check_vector(u, "u")
    return float(np.max(np.abs(u - exact(space.dof_locations))))


def observed_orders(h, errors) -> np.ndarray:
    """Observed orders log(e_i/e_{i+1}) / log(h_i/h_{i+1}) of a refinement sequence."""
    h = np.asarray(h, dtype=float)
    e = np.asarray(errors, dtype=float)
    if h.shape != e.shape or h.ndim != 1 or h.size < 2:
        raise ValueError(f"errors: need two 1D arrays of equal length ≥ 2, got {h.shape} and {e.shape}")
    if np.any(h <= 0) or np.any(e <= 0) or not np.all(np.isfinite(e)):
        raise ValueError("errors: h and errors must be positive and finite")
    return np.log(e[:-1] / e[1:]) / np.log(h[:-1] / h[1:])


def error_report(space: FESpace, u: np.ndarray, exact: PointFunction | None,
                 exact_grad: PointFunction | None = None) -> dict[str, float]:
    """All errors of u_h against the exact solution: l2_error, relative_l2_error, h1_error,
    relative_h1_error, max_nodal_error (NaN where the exact solution or its gradient is unknown).

    One pass of the error quadrature: u_h, ∇u_h, u and ∇u are evaluated once at its points.
    """
    nan = float("nan")
    report = dict.fromkeys(("l2_error", "relative_l2_error", "h1_error", "relative_h1_error",
                            "max_nodal_error"), nan)
    if exact is None and exact_grad is None:
        return report
    for name, func in (("exact", exact), ("exact_grad", exact_grad)):
        if func is not None:
            _check_callable(name, func)
    sums = np.zeros(4)                           # ∫(u − u_h)², ∫u², ∫|∇u − ∇u_h|², ∫|∇u|², chunk by chunk
    for value, grad, rows, dx in quadrature_chunks(space, u):
        if exact is not None:
            reference = exact(rows)
            sums[:2] += dx @ (value - reference) ** 2, dx @ reference**2
        if exact_grad is not None:
            reference = exact_grad(rows)
            sums[2:] += dx @ np.sum((grad - reference) ** 2, axis=1), dx @ np.sum(reference**2, axis=1)
    error = np.sqrt(sums)
    if exact is not None:
        report["l2_error"] = float(error[0])
        report["relative_l2_error"] = float(error[0] / error[1]) if error[1] > 0 else nan
        report["max_nodal_error"] = max_nodal_error(space, u, exact)
    if exact_grad is not None:
        report["h1_error"] = float(error[2])
        report["relative_h1_error"] = float(error[2] / error[3]) if error[3] > 0 else nan
    return report
