"""Dual-norm residual of a free-knot P1 function against test hats that move with its knots.

For −εu″ + b u′ = f on (a, b) (constant b) and the trial function v_θ, continuous P1 on the knots
t_0 = a < … < t_{n+1} = b with v = g at both ends (:class:`~femngd.models.FreeKnotP1` with
``boundary_values``), the test mesh z_0 < … < z_N splits every trial cell into ``refine`` equal
cells (N = refine·(n+1)). v is P1 on the test mesh too, with nodal values w = v(z), so the weak
residual against the interior test hats ψ_i is computed exactly:

    r_i = ε∫v′ψ_i′ + b∫v′ψ_i − ∫fψ_i = ε(σ_{i−1} − σ_i) + b(w_{i+1} − w_{i−1})/2 − F_i,

σ_k = (w_{k+1} − w_k)/h_k the slopes, h_k = z_{k+1} − z_k, F_i by 4-point Gauss per cell. The loss is
the discrete H⁻¹ norm of the residual in that test space,

    L(θ) = ½ rᵀ K⁻¹ r,     K_τ the stiffness matrix of the test mesh (tridiagonal),

and its natural gradient uses the Gauss–Newton metric G = J_rᵀ K⁻¹ J_r (J_r = ∂r/∂θ). K moves with
the knots; the gradient includes that: ∇L = J_rᵀy + ½ Σ_k (Δy_k/h_k)² ∂h_k/∂θ with y = K⁻¹r.

Why a moving test space: with a fixed test mesh the optimizer can drive r to zero by packing knots
into a spurious layer inside one test cell, where the test functions cannot see the error. Test
hats built from the trial knots see every trial cell.
"""
from __future__ import annotations

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.linalg import cho_factor, cho_solve, solveh_banded

from ..fem import AdvectionDiffusion
from ..fem.problems import check_eps
from ..models import FreeKnotP1
from .objective import Linearization, Objective

__all__ = ["KnotDualResidual"]

_XI, _OMEGA = (leggauss(4)[0] + 1) / 2, leggauss(4)[1] / 2      # Gauss rule on [0, 1]


class KnotDualResidual(Objective):
    """L(θ) = ½ rᵀK⁻¹r on the test mesh that refines the trial knots (module doc).

    Args:
        problem: a 1D problem with constant velocity.
        model: free-knot P1 with fixed end values (the problem's Dirichlet data).
        refine: test cells per trial cell (≥ 2: with 1 the residual has too few equations).
        eps: the diffusion of the residual (default the problem's; continuation in ε sets others).
    """

    metric = "gauss-newton"

    def __init__(self, problem: AdvectionDiffusion, model: FreeKnotP1, refine: int = 2, eps: float | None = None):
        if problem.dim != 1 or problem.constant_velocity is None:
            raise ValueError("problem: the moving-test residual needs a 1D problem with constant velocity")
        if not isinstance(model, FreeKnotP1) or model.boundary_values is None:
            raise ValueError("model: need a FreeKnotP1 with boundary_values (the Dirichlet data)")
        if not isinstance(refine, (int, np.integer)) or refine < 2:
            raise ValueError(f"refine: must be an integer >= 2, got {refine!r}")
        g = problem.dirichlet(np.array([[model.a], [model.b]]))
        if not np.allclose(g, model.boundary_values, rtol=1e-12, atol=1e-14):
            raise ValueError(f"model: boundary_values {model.boundary_values} differ from the problem's "
                             f"Dirichlet data {tuple(g)}")
        self.problem, self.model, self.refine = problem, model, int(refine)
        self.eps = problem.eps if eps is None else check_eps(eps)
        self.b = float(problem.constant_velocity[0])
        self.n_params = model.n_params
        n_trial = model.n_knots + 1
        frac = np.arange(self.refine) / self.refine
        # z = P t and w = P u: the test nodes and the trial function's values there
        P = np.zeros((n_trial * self.refine + 1, n_trial + 1))
        rows = np.arange(n_trial * self.refine)
        P[rows, rows // self.refine] = 1.0 - np.tile(frac, n_trial)
        P[rows, rows // self.refine + 1] = np.tile(frac, n_trial)
        P[-1, -1] = 1.0
        self.P = P

    @property
    def n_points(self) -> int:
        """The nodes of the test mesh (every trial cell refined ``refine`` times)."""
        return self.P.shape[0]

    # --- the residual and its parts ------------------------------------------------------------

    def _mesh(self, theta: np.ndarray):
        t, dt = self.model.knots(theta)
        return self.P @ t, self.P @ self.model.nodal_values(theta), dt

    def _load(self, z: np.ndarray, derivative: bool):
        """F_i = ∫fψ_i (N−1,) and, with ``derivative``, ∂F/∂z ((N−1) × (N+1))."""
        h = np.diff(z)
        x = z[:-1, None] + h[:, None] * _XI
        f = self.problem.source(x.reshape(-1, 1)).reshape(x.shape)
        up, down = h * (f @ (_OMEGA * _XI)), h * (f @ (_OMEGA * (1 - _XI)))   # parts of F_{k+1} and F_k on cell k
        F = up[:-1] + down[1:]
        if not derivative:
            return F, None
        fp = self._source_slope(x, f)
        cells = np.arange(h.size)
        dup = np.zeros((h.size, z.size))       # ∂(up_k)/∂z, ∂(down_k)/∂z: Leibniz through h_k and the points
        ddown = np.zeros((h.size, z.size))
        for part, weight in ((dup, _XI), (ddown, 1 - _XI)):
            base = f @ (_OMEGA * weight)
            part[cells, cells] = -base + h * (fp @ (_OMEGA * weight * (1 - _XI)))
            part[cells, cells + 1] = base + h * (fp @ (_OMEGA * weight * _XI))
        return F, dup[:-1] + ddown[1:]

    def _source_slope(self, x: np.ndarray, f: np.ndarray) -> np.ndarray:
        """f′ at the Gauss points x (values f): 0 for constant data, else central differences of the callable."""
        if np.ptp(f) == 0.0:
            return np.zeros_like(x)
        delta = 1e-6 * max(1.0, float(np.max(np.abs(x))))
        source = self.problem.source
        return ((source((x + delta).reshape(-1, 1)) - source((x - delta).reshape(-1, 1))) / (2 * delta)).reshape(x.shape)

    def residual(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(r (N−1,), the test cell lengths h (N,)) at θ."""
        z, w, _ = self._mesh(np.asarray(theta, dtype=float))
        h = np.diff(z)
        sigma = np.diff(w) / h
        F, _ = self._load(z, derivative=False)
        return self.eps * (sigma[:-1] - sigma[1:]) + 0.5 * self.b * (w[2:] - w[:-2]) - F, h

    @staticmethod
    def _stiffness_banded(h: np.ndarray) -> np.ndarray:
        """K_τ (interior nodes) in LAPACK's upper banded storage."""
        inv = 1.0 / h
        band = np.zeros((2, h.size - 1))
        band[1] = inv[:-1] + inv[1:]
        band[0, 1:] = -inv[1:-1]
        return band

    def _dual_solve(self, r: np.ndarray, h: np.ndarray) -> np.ndarray:
        return solveh_banded(self._stiffness_banded(h), r)

    def _jacobian(self, theta: np.ndarray):
        """(r, h, J_r = ∂r/∂θ, ∂h/∂θ)."""
        z, w, dt = self._mesh(theta)
        h = np.diff(z)
        sigma = np.diff(w) / h
        F, dF = self._load(z, derivative=True)
        r = self.eps * (sigma[:-1] - sigma[1:]) + 0.5 * self.b * (w[2:] - w[:-2]) - F
        n_cells = h.size
        # ∂σ_k/∂w and ∂σ_k/∂z (h_k = z_{k+1} − z_k)
        dsig_w = np.zeros((n_cells, z.size))
        dsig_z = np.zeros((n_cells, z.size))
        k = np.arange(n_cells)
        dsig_w[k, k], dsig_w[k, k + 1] = -1.0 / h, 1.0 / h
        dsig_z[k, k], dsig_z[k, k + 1] = sigma / h, -sigma / h
        dr_w = self.eps * (dsig_w[:-1] - dsig_w[1:])
        dr_w[k[:-1], k[:-1] + 2] += 0.5 * self.b
        dr_w[k[:-1], k[:-1]] -= 0.5 * self.b
        dr_z = self.eps * (dsig_z[:-1] - dsig_z[1:]) - dF
        # chain rule: z = P t(ρ), w = P u(values)
        n = self.model.n_knots
        dt_full = np.zeros((n + 2, n))
        dt_full[1:-1] = dt
        dz = self.P @ dt_full                                  # (N+1, n): ∂z/∂ρ
        du = self.P[:, 1:-1]                                   # ∂w/∂(interior values)
        J = np.hstack([dr_z @ dz, dr_w @ du])
        dh = np.hstack([np.diff(dz, axis=0), np.zeros((n_cells, self.n_params - n))])
        return r, h, J, dh

    # --- the Objective interface ---------------------------------------------------------------

    def loss(self, theta: np.ndarray) -> float:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # collapsed cells: L = inf
            r, h = self.residual(theta)
        if not (np.all(np.isfinite(r)) and np.all(h > 0)):
            return np.inf
        return float(0.5 * r @ self._dual_solve(r, h))

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, h, J, dh = self._jacobian(np.asarray(theta, dtype=float))
        y = self._dual_solve(r, h)
        dy = np.diff(np.concatenate([[0.0], y, [0.0]]))
        return float(0.5 * r @ y), J.T @ y + 0.5 * ((dy / h) ** 2) @ dh

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        return self.loss_and_gradient(theta)[1]

    def linearize(self, theta: np.ndarray) -> Linearization:
        """L, the exact ∇L, G = J_rᵀK⁻¹J_r and the transports (in the test space of θ)."""
        theta = np.array(theta, dtype=float)
        r, h, J, dh = self._jacobian(theta)
        K = np.diag(1.0 / h[:-1] + 1.0 / h[1:]) - np.diag(1.0 / h[1:-1], 1) - np.diag(1.0 / h[1:-1], -1)
        factor = cho_factor(K)
        y, KJ = cho_solve(factor, r), cho_solve(factor, J)
        dy = np.diff(np.concatenate([[0.0], y, [0.0]]))
        grad = J.T @ y + 0.5 * ((dy / h) ** 2) @ dh
        gram = J.T @ KJ
        return Linearization(theta=theta, loss=float(0.5 * r @ y), grad=grad, gram=0.5 * (gram + gram.T),
                             cross_gram=lambda other: KJ.T @ self._jacobian(np.asarray(other, float))[2],
                             pullback_difference=lambda other: KJ.T @ (r - self.residual(other)[0]))

    def gauss_newton_gram(self, theta: np.ndarray) -> np.ndarray:
        return self.linearize(theta).gram

    def evaluate(self, theta: np.ndarray, x: np.ndarray, order: int = 0):
        ev = self.model.evaluate(theta, x, order=min(order, 1))
        return ev.value, (ev.grad if order >= 1 else None)

    def breakpoints(self, theta: np.ndarray) -> np.ndarray:
        """The knots: v_θ is smooth between them (error quadratures split there)."""
        return self.model.knots(np.asarray(theta, dtype=float))[0]
