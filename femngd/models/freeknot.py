"""Free-knot continuous P1 functions in 1D: knot positions and nodal values are the parameters.

θ = (ρ_1…ρ_n, u_0…u_{n+1}) for n interior knots on (a, b), or θ = (ρ_1…ρ_n, u_1…u_n) when the
end values u_0 = g(a), u_{n+1} = g(b) are fixed (``boundary_values``: Dirichlet data imposed
exactly, the model stays piecewise linear). The cell lengths are
h = (b − a)·softmax(ρ_1, …, ρ_n, 0) (the last logit is fixed at 0, so no direction of θ is
redundant), the knots t_0 = a, t_j = a + Σ_{k<j} h_k, t_{n+1} = b: any θ gives strictly
ordered knots. On [t_j, t_{j+1}] the model is u_j + s_j (x − t_j), s_j = (u_{j+1} − u_j)/h_j.

Jacobians (with φ_j the hat function of knot j): ∂v/∂u_j = φ_j(x), ∂v/∂t_j = −v′(x) φ_j(x);
∂v′/∂u_j = ∓1/h on the two cells at knot j, ∂v′/∂t_j = s/h on the cell right of t_j and −s/h
left of it; v″ = 0 away from the knots. The chain rule through the softmax gives ∂t/∂ρ.
"""
from __future__ import annotations

import numpy as np

from .base import Evaluation, Model, check_points, check_theta, seeded_rng
from .features import check_order

__all__ = ["FreeKnotP1"]


class FreeKnotP1(Model):
    """Continuous piecewise-linear v on (a, b) with ``n_knots`` movable interior knots.

    θ = (ρ (n_knots knot logits), u (n_knots + 2 nodal values at a, the interior knots and b)),
    n_params = 2·n_knots + 2; with ``boundary_values=(g_a, g_b)`` the end values are fixed and
    θ = (ρ, interior values), n_params = 2·n_knots. Points outside [a, b] are extrapolated
    linearly from the end cells. At a point exactly on a knot the right cell is used (v′ and the
    Jacobians there are one-sided).
    """

    is_linear = False
    dim = 1

    def __init__(self, n_knots: int, a: float = 0.0, b: float = 1.0,
                 boundary_values: tuple[float, float] | None = None):
        if not isinstance(n_knots, (int, np.integer)) or n_knots < 1:
            raise ValueError(f"n_knots: must be a positive integer, got {n_knots!r}")
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            raise ValueError(f"a, b: need a finite interval a < b, got ({a}, {b})")
        if boundary_values is not None:
            boundary_values = tuple(float(g) for g in boundary_values)
            if len(boundary_values) != 2 or not np.all(np.isfinite(boundary_values)):
                raise ValueError(f"boundary_values: need two finite numbers (g(a), g(b)), got {boundary_values!r}")
        self.n_knots, self.a, self.b = int(n_knots), float(a), float(b)
        self.boundary_values = boundary_values
        self.n_params = 2 * self.n_knots + (2 if boundary_values is None else 0)

    def __repr__(self) -> str:
        fixed = "" if self.boundary_values is None else f", boundary_values={self.boundary_values}"
        return f"FreeKnotP1(n_knots={self.n_knots}{fixed})"

    def init(self, seed: int = 0) -> np.ndarray:
        """Uniform knots (ρ = 0) and free nodal values ~ N(0, 0.01²) (seeded)."""
        values = seeded_rng(seed).normal(0.0, 0.01, self.n_params - self.n_knots)
        return np.concatenate([np.zeros(self.n_knots), values])

    def nodal_values(self, theta: np.ndarray) -> np.ndarray:
        """u_0…u_{n+1}: the values at all knots (fixed end values included)."""
        u = np.asarray(theta, dtype=float)[self.n_knots:]
        if self.boundary_values is None:
            return u
        return np.concatenate([[self.boundary_values[0]], u, [self.boundary_values[1]]])

    def parameters_of(self, knots: np.ndarray, values: np.ndarray) -> np.ndarray:
        """θ of the P1 function with the given knots t_0 = a < … < t_{n+1} = b and values there.

        The logits are ρ_k = log(h_k / h_n) (the last one is fixed at 0); inverse of :meth:`knots`.
        """
        t, u = np.asarray(knots, dtype=float), np.asarray(values, dtype=float)
        if t.shape != (self.n_knots + 2,) or u.shape != t.shape:
            raise ValueError(f"knots, values: need {self.n_knots + 2} of each, got {t.shape} and {u.shape}")
        h = np.diff(t)
        if not (np.all(h > 0) and np.isclose(t[0], self.a) and np.isclose(t[-1], self.b)):
            raise ValueError("knots: must increase strictly from a to b")
        free = u if self.boundary_values is None else u[1:-1]
        return np.concatenate([np.log(h[:-1] / h[-1]), free])

    def knots(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(all knots t_0…t_{n+1}, ∂t_interior/∂ρ (n, n))."""
        rho = np.append(theta[: self.n_knots], 0.0)
        p = np.exp(rho - rho.max())
        p /= p.sum()
        L = self.b - self.a
        t = np.minimum(self.a + L * np.concatenate([[0.0], np.cumsum(p)]), self.b)   # rounding: t ≤ b, ordered
        t[-1] = self.b
        # ∂h_k/∂ρ_l = L p_k (δ_kl − p_l), t_j = a + Σ_{k<j} h_k
        dh = L * (np.diag(p) - np.outer(p, p))[:, : self.n_knots]
        return t, np.cumsum(dh, axis=0)[: self.n_knots]

    def evaluate(self, theta, x, order: int = 0, jacobian: bool = False) -> Evaluation:
        theta = check_theta(theta, self.n_params)
        x = check_points(x, 1)[:, 0]
        check_order(order)
        t, dt = self.knots(theta)
        u = self.nodal_values(theta)
        cell = np.clip(np.searchsorted(t, x, side="right") - 1, 0, self.n_knots)
        h = t[cell + 1] - t[cell]
        lam = (x - t[cell]) / h
        slope = (u[cell + 1] - u[cell]) / h
        out = {"value": u[cell] + slope * (x - t[cell])}
        if order >= 1:
            out["grad"] = slope[:, None]
        if order >= 2:
            out["laplacian"] = np.zeros_like(x)
        if jacobian:
            out.update(self._jacobians(x.size, cell, lam, h, slope, dt, order))
        return Evaluation(**out)

    def _jacobians(self, m, cell, lam, h, slope, dt, order) -> dict[str, np.ndarray]:
        n, rows = self.n_knots, np.arange(m)
        hat = np.zeros((m, n + 2))                  # φ_j(x): 1 − λ at the left knot, λ at the right
        hat[rows, cell] = 1.0 - lam
        hat[rows, cell + 1] = lam
        dvalue_t = -slope[:, None] * hat[:, 1:-1]   # ∂v/∂t_j = −v′ φ_j
        free = slice(None) if self.boundary_values is None else slice(1, -1)   # columns of the free values
        out = {"dvalue": np.hstack([dvalue_t @ dt, hat[:, free]])}
        if order >= 1:
            dslope_u = np.zeros((m, n + 2))
            dslope_u[rows, cell] = -1.0 / h
            dslope_u[rows, cell + 1] = 1.0 / h
            dslope_t = np.zeros((m, n + 2))
            dslope_t[rows, cell] = slope / h
            dslope_t[rows, cell + 1] = -slope / h
            out["dgrad"] = np.hstack([dslope_t[:, 1:-1] @ dt, dslope_u[:, free]])[:, None, :]
        if order >= 2:
            out["dlaplacian"] = np.zeros((m, self.n_params))
        return out
