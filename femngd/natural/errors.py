"""Errors of a trained model against the Galerkin solution on the same space and the exact solution.

    relative_l2_error_galerkin = ‖v_θ − u_h‖_{L2} / ‖u_h‖_{L2}
    relative_h1_error_galerkin = |v_θ − u_h|_{H1} / |u_h|_{H1}
    relative_l2_error_exact    = ‖v_θ − u‖_{L2} / ‖u‖_{L2}     (NaN without an exact solution)
    l2_error_exact             = ‖v_θ − u‖_{L2}

All integrals use the layer-accurate error quadrature of :mod:`femngd.fem.errors`; where the
objective reports breakpoints of v_θ (free knots, 1D) the quadrature is the graded rule on every
interval between the FE nodes and those breakpoints, so a layer the model puts anywhere is
integrated as accurately as one at the boundary. Where v_θ is itself a function of the meter's FE
space (FE objectives: ``objective.fe_vector``), the distances to u_h are exact quadratic forms,
‖d‖²_{L2} = dᵀMd and |d|²_{H1} = dᵀKd, and the error against u is one chunked quadrature pass
(:func:`~femngd.fem.errors.error_report`): nothing of the size of the quadrature is kept.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np

from ..fem import AdvectionDiffusion, FESpace, galerkin
from ..fem.errors import error_report, quadrature_fields
from ..fem.quadrature import breakpoint_rule
from .fe_objectives import probe_matrices
from .objective import Measurable

__all__ = ["ErrorMeter", "GridMeter"]


class ErrorMeter:
    """``meter(objective, θ) -> dict`` of the errors in the module doc (Galerkin solved once)."""

    def __init__(self, problem: AdvectionDiffusion, space: FESpace, reference: np.ndarray | None = None,
                 breakpoints: np.ndarray | None = None, resolution: float = 1e-14):
        """``breakpoints`` (1D): points where the quadrature is split besides the FE nodes and the objective's
        own breakpoints (e.g. the nodes of a finer mesh the model was trained on), each interval with the
        graded rule down to ``resolution`` of its length (:func:`~femngd.fem.errors.breakpoint_rule`)."""
        self.problem, self.space, self.resolution = problem, space, float(resolution)
        self.galerkin = galerkin(problem, space) if reference is None else space.check_vector(reference, "reference")
        if breakpoints is not None and space.dim != 1:
            raise ValueError("breakpoints: only one-dimensional quadratures are split at breakpoints")
        self.breakpoints = None if breakpoints is None else np.asarray(breakpoints, dtype=float).ravel()

    @cached_property
    def _quadrature(self):
        """(u_h, ∇u_h, points, weights, exact) on the error quadrature and the norms of u_h, ∇u_h and u."""
        u, du, points, weights = quadrature_fields(self.space, self.galerkin)
        exact = self.problem.exact(points) if self.problem.exact is not None else None
        l2 = lambda f: float(np.sqrt(weights @ (f * f if f.ndim == 1 else np.sum(f * f, axis=1))))
        return (u, du, points, weights, exact), (l2(u), l2(du), l2(exact) if exact is not None else 0.0)

    @cached_property
    def _forms(self) -> tuple:
        """(M, K, ‖u_h‖_{L2}, |u_h|_{H1}) for distances between functions of the space."""
        M, K, u = self.space.mass(), self.space.stiffness(), self.galerkin
        return M, K, float(np.sqrt(u @ (M @ u))), float(np.sqrt(max(u @ (K @ u), 0.0)))

    def _fe_errors(self, v: np.ndarray) -> dict[str, float]:
        """The errors of the FE function v (full DOF vector) of the meter's space (module doc)."""
        M, K, norm_l2, norm_h1 = self._forms
        d = v - self.galerkin
        out = {"relative_l2_error_galerkin": float(np.sqrt(max(d @ (M @ d), 0.0))) / max(norm_l2, 1e-300),
               "relative_h1_error_galerkin": float(np.sqrt(max(d @ (K @ d), 0.0))) / max(norm_h1, 1e-300),
               "relative_l2_error_exact": np.nan, "l2_error_exact": np.nan}
        if self.problem.exact is not None:
            report = error_report(self.space, v, self.problem.exact)
            out["l2_error_exact"], out["relative_l2_error_exact"] = report["l2_error"], report["relative_l2_error"]
        return out

    def fields(self, objective: Measurable, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """v_θ and ∇v_θ on the error quadrature points."""
        if objective.space is not None and objective.space.dim != self.space.dim:
            raise ValueError(f"meter: measures on a {self.space.dim}D space, the objective is {objective.space.dim}D")
        points = self._quadrature[0][2]
        return objective.evaluate(theta, points, order=1)      # any objective, on the meter's own points

    def _split_fields(self, objective, theta: np.ndarray, breaks: np.ndarray):
        """(v, ∇v, u_h, ∇u_h, exact, weights) on the graded rule between FE nodes and breakpoints."""
        x, weights = breakpoint_rule(np.concatenate([self.space.mesh.p[0], breaks]), resolution=self.resolution)
        value, grads = probe_matrices(self.space, x, order=1)
        u, du = value @ self.galerkin, np.column_stack([D @ self.galerkin for D in grads])
        v, dv = objective.evaluate(theta, x, order=1)
        exact = self.problem.exact(x) if self.problem.exact is not None else None
        return v, dv, u, du, exact, weights

    def __call__(self, objective: Measurable, theta: np.ndarray) -> dict[str, float]:
        """The errors of the module doc for v_θ = ``objective`` at θ (any :class:`~femngd.natural.objective.Measurable`)."""
        fe = objective.fe_vector(theta) if objective.space is self.space else None
        if fe is not None:
            return self._fe_errors(fe)
        breaks = objective.breakpoints(theta) if self.space.dim == 1 else None
        if self.breakpoints is not None:
            breaks = self.breakpoints if breaks is None else np.concatenate([breaks, self.breakpoints])
        if breaks is None:
            v, dv = self.fields(objective, theta)
            (u, du, _, weights, exact), _ = self._quadrature
        else:
            v, dv, u, du, exact, weights = self._split_fields(objective, theta, breaks)
        l2 = lambda f: float(np.sqrt(weights @ (f * f if f.ndim == 1 else np.sum(f * f, axis=1))))
        norms = self._quadrature[1]
        out = {"relative_l2_error_galerkin": l2(v - u) / max(norms[0], 1e-300),
               "relative_h1_error_galerkin": (l2(dv - du) / max(norms[1], 1e-300)
                                              if dv is not None and du is not None else np.nan),
               "relative_l2_error_exact": np.nan, "l2_error_exact": np.nan}
        if exact is not None:
            err = l2(v - exact)
            out["l2_error_exact"] = err
            out["relative_l2_error_exact"] = err / max(norms[2], 1e-300)
        return out


class GridMeter:
    """Relative L2 error against the exact solution on an n × n grid of [0, 1]² (mean-square form):
    ‖v − u‖ = (mean over the grid of (v − u)²)^{1/2}, relative to (mean u²)^{1/2} (the ENGD benchmark's)."""

    def __init__(self, problem: AdvectionDiffusion, n: int = 198):
        t = np.linspace(0.0, 1.0, n)
        X, Y = np.meshgrid(t, t, indexing="ij")
        self.points = np.column_stack([X.ravel(), Y.ravel()])
        self.exact = problem.exact(self.points)
        self.norm = float(np.sqrt(np.mean(self.exact**2)))

    def __call__(self, objective: Measurable, theta: np.ndarray, chunk: int = 2048) -> dict[str, float]:
        # in chunks: small temporaries keep the allocator (and the caches) of the training loop warm
        sq = 0.0
        for start in range(0, len(self.points), chunk):
            v, _ = objective.evaluate(theta, self.points[start: start + chunk], order=0)
            sq += float(np.sum((v - self.exact[start: start + chunk]) ** 2))
        err = float(np.sqrt(sq / len(self.points)))
        return {"relative_l2_error_exact": err / self.norm, "l2_error_exact": err}
