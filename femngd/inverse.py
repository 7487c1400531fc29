"""ε from data: Gauss–Newton natural gradient on the joint parameters (U, s), and its classical anchor.

Observations u_i ≈ u_ε(x_i), i = 1…m, of the solution of −εu″ + b u′ = f (u = 0 at both ends)
with Gaussian noise. The unknowns are the model, the P2 coefficients U of u_h on a uniform mesh
(interior DOFs), *and* s = ln ε, tied by the discrete PDE A(s)U = F, A(s) = e^s K + C (stiffness,
advection and load on the interior DOFs). The loss is the data misfit

    L(U, s) = ½ Σ_i (P U − u)_i² / m,      P the point evaluation at the x_i,

and every step is its Gauss–Newton natural-gradient step on the manifold {A(s)U = F}: the
tangent at (U, s) is (dU/ds, 1) with A dU/ds = −e^s K U, the data Jacobian along it g = P dU/ds,
so the Gauss–Newton metric is gᵀg and the step δs = −gᵀr/gᵀg (at most 1 in s), followed by the
move back onto the manifold, U = A(s + αδs)⁻¹F, with the halving line search on L. One sparse
factorization per step serves the tangent and the move; there is no scalar search of the misfit.

The start is the best of ε ∈ :data:`START_GRID` (five solves): from one far start the misfit can
be flat (a layer thinner than the data's spacing is invisible to them): from ε₀ = 1e-4 one of
three seeds stayed near 1e-4 with the truth at 1e-2.

**Uncertainty.** The Gauss–Newton (Fisher) variance of ŝ along the manifold,

    Var(ŝ) = σ̂² / ‖g‖²,      σ̂² = ‖P U − u‖² / (m − 1),      std(ε̂) ≈ ε̂ · std(ŝ),

the Schur complement of the penalized joint Gauss–Newton matrix JᵀJ/σ² + λBᵀB as λ → ∞
(:func:`constrained_variance`); the interval reported is ε̂·exp(±1.96 std(ŝ)).

**The anchor** (:func:`fe_least_squares`): scipy's bounded scalar minimization over s of the same
misfit with a Galerkin forward solve (assembly included) at every evaluation, on the same space,
so both find the same minimizer: the comparison is of cost and of robustness to the start.
"""
from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse.linalg as spla

from typing import Any

from .fem import (AdvectionDiffusion, FESpace, assemble_system, check_eps, corner_layer_2d, galerkin, problem_by_name,
                  uniform_mesh_1d, unit_square_mesh)
from .fem.families import FAMILY_NAMES
from .models.base import check_seed
from .natural.fe_objectives import probe_matrices

__all__ = ["Observations", "read_observations", "synthetic_observations", "Estimate", "estimate_eps",
           "fe_least_squares", "constrained_variance", "cramer_rao_std", "gauss_newton_path",
           "synthetic_observations_2d", "estimate_direction", "fe_least_squares_direction",
           "corner_layer_source", "EPS_BOUNDS", "START_GRID"]

#: the ε range searched by both methods
EPS_BOUNDS = (1e-4, 1.0)
#: the starting guesses of :func:`estimate_eps`: the one of least misfit starts the steps
START_GRID = (1e-4, 1e-3, 1e-2, 0.1, 1.0)
#: the largest change of s = ln ε in one step (a factor e in ε)
MAX_LOG_STEP = 1.0
#: |b| of the 2D problem whose direction is estimated (the corner layer's b = (1, 1))
SPEED = math.sqrt(2.0)
#: the directions of b searched (radians): b points into the first quadrant, the layers sit at x = 1 and y = 1
ANGLE_BOUNDS = (0.0, math.pi / 2)
#: the starting guesses of :func:`estimate_direction` (radians)
ANGLE_START_GRID = tuple(np.linspace(0.0, math.pi / 2, 7)[1:-1])
#: the largest change of φ in one step (radians)
MAX_ANGLE_STEP = 0.25
#: 95% two-sided normal quantile
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Observations:
    """Points x (m, dim) in the domain and observed values u (m,); ``noise`` the noise std it was drawn
    with (synthetic data) or None (a file)."""

    x: np.ndarray
    u: np.ndarray
    noise: float | None = None

    def __post_init__(self):
        x, u = np.asarray(self.x, dtype=float), np.asarray(self.u, dtype=float)
        if x.ndim != 2 or u.shape != (x.shape[0],):
            raise ValueError(f"data: need points (m, dim) and values (m,), got {x.shape} and {u.shape}")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(u))):
            raise ValueError("data: contain NaN or infinite values")
        if np.any((x <= 0.0) | (x >= 1.0)):
            raise ValueError("data: points must lie inside the domain (0, 1)")
        if x.shape[0] < 2:
            raise ValueError(f"data: need at least 2 observations (one unknown and a noise level), got {x.shape[0]}")


def read_observations(path: str | Path, dim: int = 1) -> Observations:
    """Observations from a CSV file with a header naming the columns x (1D; x, y in 2D) and u."""
    names = ("x", "u") if dim == 1 else ("x", "y", "u")
    try:
        with open(path, newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"data: cannot read {path}: {exc}") from None
    if not rows or tuple(c.strip() for c in rows[0]) != names:
        raise ValueError(f"data: {path} must start with the header {','.join(names)}")
    body = [r for r in rows[1:] if r]
    if any(len(r) != len(names) for r in body):
        raise ValueError(f"data: every row of {path} needs {len(names)} columns ({','.join(names)})")
    try:
        table = np.array(body, dtype=float).reshape(-1, len(names))
    except ValueError:
        raise ValueError(f"data: {path} has a value that is not a number") from None
    return Observations(table[:, :-1], table[:, -1])


def synthetic_observations(eps: float, noise: float, points: int = 100, seed: int = 0,
                           problem: str = "layer_1d") -> Observations:
    """m = ``points`` observations of the exact solution at points uniform in (0, 1), with Gaussian noise of
    std ``noise``·max|u| (``noise`` = 0.01: "1% noise"). Reproducible from ``seed``."""
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise: must be a finite number >= 0, got {noise}")
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"points: need at least 2 observations, got {points!r}")
    exact = problem_by_name(problem, eps)
    rng = np.random.default_rng(check_seed(seed))
    x = rng.uniform(0.0, 1.0, (points, exact.dim))
    u = exact.exact(x)
    scale = noise * float(np.max(np.abs(exact.exact(np.linspace(0, 1, 10001)[:, None]))))
    return Observations(x, u + scale * rng.standard_normal(points), noise=scale)




class _Constraint:
    """The discrete PDE A(q)U = F on the interior DOFs of a P2 space, q a scalar parameter, and the probe
    matrix P of the data points: what the Gauss–Newton path and the uncertainty need."""

    F: np.ndarray
    P: Any

    def matrix(self, q: float):
        """A(q) (sparse)."""
        raise NotImplementedError

    def derivative(self, q: float):
        """dA/dq (sparse)."""
        raise NotImplementedError

    def factor(self, q: float):
        """The sparse LU factorization of A(q)."""
        return spla.splu(self.matrix(q).tocsc())

    def tangent(self, lu, U: np.ndarray, q: float) -> np.ndarray:
        """dU/dq = −A(q)⁻¹ (dA/dq) U, the U-part of the manifold's tangent (dU/dq, 1)."""
        return -lu.solve(self.derivative(q) @ U)

    def std(self, lu, U: np.ndarray, q: float, data: Observations) -> tuple[float, float]:
        """(std(q̂), σ̂) of the module doc at (U, q) on the manifold."""
        r = self.P @ U - data.u
        sigma2 = float(r @ r) / (len(r) - 1)
        return math.sqrt(constrained_variance(self.P, self.tangent(lu, U, q), sigma2)), math.sqrt(sigma2)


def _check_cells(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n: need at least 2 cells, got {n!r}")
    return int(n)


def _interior(space: FESpace, system, x: np.ndarray):
    """(interior DOFs, the probe matrix of the points x on them)."""
    inner = space.interior_dofs
    return inner, probe_matrices(space, x)[0][:, inner].tocsr()


class _Diffusion(_Constraint):
    """1D, q = s = ln ε: A(s) = e^s K + C, dA/ds = e^s K (P2 on the uniform mesh with n cells)."""

    def __init__(self, problem: str, n: int, x: np.ndarray):
        if problem not in FAMILY_NAMES or problem_by_name(problem, 1.0).dim != 1:
            raise ValueError(f"problem: the inverse problem for ε is available for layer_1d, got {problem!r}")
        space = FESpace(uniform_mesh_1d(_check_cells(n)), degree=2)
        system = assemble_system(problem_by_name(problem, 1.0), space)   # A = K + C at ε = 1: C = A − K
        inner, self.P = _interior(space, system, x)
        self.K = system.K[inner][:, inner].tocsc()
        self.C = (system.A - system.K)[inner][:, inner].tocsc()
        self.F = system.F[inner]

    def matrix(self, s):
        return math.exp(s) * self.K + self.C

    def derivative(self, s):
        return math.exp(s) * self.K


def _velocity(angle: float, speed: float) -> np.ndarray:
    """b = |b| (cos φ, sin φ)."""
    return speed * np.array([math.cos(angle), math.sin(angle)])


def corner_layer_source(eps: float):
    """f(x, y) = p(x) + p(y) of the 2D corner layer at ε (:func:`femngd.fem.corner_layer_2d`), whatever b."""
    return corner_layer_2d(eps).source


class _Direction(_Constraint):
    """2D, q = φ the direction of b = |b|(cos φ, sin φ) (ε and |b| known): A(φ) = εK + |b|(cos φ C_x + sin φ C_y),
    dA/dφ = |b|(−sin φ C_x + cos φ C_y), f of the corner layer, u = 0 on the boundary (P2, n × n squares)."""

    def __init__(self, eps: float, n: int, x: np.ndarray, speed: float = SPEED):
        eps = check_eps(eps)
        space = FESpace(unit_square_mesh(_check_cells(n)), degree=2)
        source = corner_layer_source(eps)
        parts = [assemble_system(AdvectionDiffusion.create(eps, 2, velocity=b, source=source, dirichlet=0.0), space)
                 for b in ((1.0, 0.0), (0.0, 1.0))]
        inner, self.P = _interior(space, parts[0], x)
        K = parts[0].K[inner][:, inner]
        self.eps, self.speed, self.K = eps, float(speed), (eps * K).tocsc()
        self.Cx, self.Cy = ((part.A[inner][:, inner] - eps * K).tocsc() for part in parts)
        self.F = parts[0].F[inner]

    def matrix(self, angle):
        b = _velocity(angle, self.speed)
        return self.K + b[0] * self.Cx + b[1] * self.Cy

    def derivative(self, angle):
        db = _velocity(angle + math.pi / 2, self.speed)
        return db[0] * self.Cx + db[1] * self.Cy


def constrained_variance(data_jacobian, tangent: np.ndarray, sigma2: float) -> float:
    """Var(ŝ) = σ² / ‖J_d t‖²: the Gauss–Newton variance of the last parameter s restricted to the manifold of
    the constraint, whose tangent with unit s-component is (``tangent``, 1) (J_d (m, p) the data Jacobian in the
    other parameters; the data do not depend on s directly)."""
    g = data_jacobian @ tangent
    information = float(g @ g)
    return sigma2 / information if information > 0 else math.inf


def cramer_rao_std(observations: Observations, eps: float, problem: str = "layer_1d", n: int = 256) -> float:
    """The Cramér–Rao bound on std(ŝ), ŝ = ln ε̂, at the true ``eps``: σ/‖P dU/ds‖ with the noise std σ the
    synthetic ``observations`` were drawn with. No unbiased estimator from these points and this noise has a
    smaller spread: std(ε̂)/ε ≈ std(ŝ), so P(|ε̂/ε − 1| ≤ δ) ≤ erf(δ / (√2 std)) for an efficient one."""
    if observations.noise is None:
        raise ValueError("observations: the Cramér-Rao bound needs the noise std (synthetic data)")
    fe = _Diffusion(problem, n, observations.x)
    s = math.log(eps)
    lu = fe.factor(s)
    return math.sqrt(constrained_variance(fe.P, fe.tangent(lu, lu.solve(fe.F), s), observations.noise ** 2))


def gauss_newton_path(fe: _Constraint, data: Observations, q0: float, iterations: int, tol: float,
                      max_step: float = MAX_LOG_STEP):
    """The Gauss–Newton natural-gradient iterates on (U, q) along A(q)U = F (module doc): yields (lu, U, q, L)
    for every iterate, the first at q₀ (lu: the factorization of A(q)); steps of q at most ``max_step``."""
    m = len(data.u)

    def on_manifold(q: float):
        lu = fe.factor(q)
        U = lu.solve(fe.F)
        r = fe.P @ U - data.u
        return lu, U, q, 0.5 * float(r @ r) / m

    current = on_manifold(q0)
    yield current
    for _ in range(iterations):
        lu, U, q, loss = current
        g = fe.P @ fe.tangent(lu, U, q)
        r = fe.P @ U - data.u
        dq = float(np.clip(-(g @ r) / (g @ g), -max_step, max_step)) if g @ g > 0 else 0.0
        for alpha in 0.5 ** np.arange(31):
            trial = on_manifold(q + alpha * dq)
            if trial[3] <= loss:
                break
        else:
            return
        current = trial
        yield current
        if abs(alpha * dq) < tol:
            return


@dataclass
class Estimate:
    """An estimated parameter (ε, or the direction of b in degrees) with its standard deviation, 95% interval,
    the estimated noise level and the cost (:func:`estimate_eps`, :func:`estimate_direction` and their anchors)."""

    value: float
    std: float
    interval: tuple[float, float]
    noise_estimate: float
    iterations: int
    seconds: float
    method: str
    message: str = ""
    history: dict = field(default_factory=dict)

    def covers(self, truth: float) -> bool:
        """Whether the 95% interval contains ``truth``."""
        return self.interval[0] <= truth <= self.interval[1]


def _eps_estimate(s: float, std_s: float, sigma: float, iterations: int, seconds: float, method: str,
                  **extra) -> Estimate:
    """ε̂ = e^ŝ, std(ε̂) ≈ ε̂ std(ŝ), the interval ε̂ exp(±1.96 std(ŝ))."""
    eps = math.exp(s)
    half = min(Z95 * std_s, 700.0)          # a flat misfit (std(ŝ) huge) gives an interval as wide as floats allow
    return Estimate(eps, eps * std_s, (eps * math.exp(-half), eps * math.exp(half)), sigma, iterations, seconds,
                    method, **extra)


def estimate_eps(observations: Observations, problem: str = "layer_1d", n: int = 256, eps0: float | None = None,
                 iterations: int = 50, tol: float = 1e-10) -> Estimate:
    """ε̂, its uncertainty and cost by Gauss–Newton natural gradient on (U, s) (module doc).

    Args:
        n: cells of the uniform P2 mesh of the model.
        eps0: the starting ε (default: the least misfit of :data:`START_GRID`).
        iterations, tol: budget; stop when a step changes s = ln ε by less than ``tol``.

    Example:
        >>> data = synthetic_observations(0.1, noise=0.0, points=50, seed=0)
        >>> round(estimate_eps(data, n=64).value, 4)
        0.1
    """
    start = time.perf_counter()
    fe = _Diffusion(problem, n, observations.x)
    if eps0 is None:
        s0 = _best_start(fe, observations, [math.log(eps) for eps in START_GRID])
    elif not (math.isfinite(eps0) and EPS_BOUNDS[0] <= eps0 <= EPS_BOUNDS[1]):
        raise ValueError(f"eps0: must lie in [{EPS_BOUNDS[0]:g}, {EPS_BOUNDS[1]:g}], got {eps0}")
    else:
        s0 = math.log(eps0)
    s, std_s, sigma, steps, message, path = _gauss_newton(fe, observations, s0, iterations, tol, MAX_LOG_STEP)
    return _eps_estimate(s, std_s, sigma, steps, time.perf_counter() - start, "gauss-newton", message=message,
                         history={"eps": [math.exp(p[2]) for p in path], "loss": [p[3] for p in path]})


def _best_start(fe: _Constraint, observations: Observations, grid) -> float:
    """The q of ``grid`` whose discrete solution fits the data best (one solve each)."""
    return min(grid, key=lambda q: next(gauss_newton_path(fe, observations, q, 0, 0.0))[3])


def _gauss_newton(fe: _Constraint, observations: Observations, q0: float, iterations: int, tol: float,
                  max_step: float):
    """The Gauss–Newton path from q₀ to its end: (q̂, std(q̂), σ̂, steps, message, path)."""
    path = list(gauss_newton_path(fe, observations, q0, iterations, tol, max_step))
    lu, U, q, _ = path[-1]
    std, sigma = fe.std(lu, U, q, observations)
    steps = len(path) - 1
    message = f"{'converged' if steps < iterations else 'stopped'} after {steps} Gauss-Newton steps"
    return q, std, sigma, steps, message, path


def fe_least_squares(observations: Observations, problem: str = "layer_1d", n: int = 256) -> Estimate:
    """The classical anchor: min_s ½ Σ (P u_h(e^s) − u)²/m by scipy's bounded Brent search over
    s ∈ ln EPS_BOUNDS, one Galerkin solve (assembly included) per evaluation, on the same P2 space."""
    from scipy.optimize import minimize_scalar

    start = time.perf_counter()
    space = FESpace(uniform_mesh_1d(n), degree=2)
    P = probe_matrices(space, observations.x)[0]

    def misfit(s: float) -> float:
        r = P @ galerkin(problem_by_name(problem, math.exp(s)), space) - observations.u
        return 0.5 * float(r @ r) / len(r)

    found = minimize_scalar(misfit, bounds=tuple(map(math.log, EPS_BOUNDS)), method="bounded",
                            options={"xatol": 1e-10})
    seconds = time.perf_counter() - start
    fe = _Diffusion(problem, n, observations.x)
    lu = fe.factor(found.x)
    std_s, sigma = fe.std(lu, lu.solve(fe.F), found.x, observations)
    return _eps_estimate(found.x, std_s, sigma, int(found.nfev), seconds, "fe-least-squares",
                   message=str(found.message))


# --- the direction of b (2D) ------------------------------------------------------------------------------

def synthetic_observations_2d(angle: float, eps: float, noise: float, points: int = 200, seed: int = 0,
                              n_reference: int = 96, speed: float = SPEED) -> Observations:
    """m = ``points`` observations, uniform in (0, 1)², of the solution of −εΔu + b·∇u = f, u = 0 on the boundary,
    b = |b|(cos φ, sin φ) (``angle`` φ in degrees), f of the corner layer (:func:`corner_layer_source`): the P2
    Galerkin solution on n_reference × n_reference squares (at φ = 45° the exact corner layer solution, up to the
    discretization), with Gaussian noise of std ``noise``·max|u|. Reproducible from ``seed``."""
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise: must be a finite number >= 0, got {noise}")
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"points: need at least 2 observations, got {points!r}")
    phi = _check_angle(angle)
    space = FESpace(unit_square_mesh(_check_cells(n_reference)), degree=2)
    problem = AdvectionDiffusion.create(check_eps(eps), 2, velocity=tuple(_velocity(phi, speed)),
                                        source=corner_layer_source(eps), dirichlet=0.0)
    u_h = galerkin(problem, space)
    rng = np.random.default_rng(check_seed(seed))
    x = rng.uniform(0.0, 1.0, (points, 2))
    u = probe_matrices(space, x)[0] @ u_h
    scale = noise * float(np.max(np.abs(u_h)))
    return Observations(x, u + scale * rng.standard_normal(points), noise=scale)


def _check_angle(angle_deg: float) -> float:
    """φ in radians from degrees, inside :data:`ANGLE_BOUNDS`; ValueError naming ``angle`` otherwise."""
    lo, hi = (math.degrees(a) for a in ANGLE_BOUNDS)
    if not (math.isfinite(angle_deg) and lo <= angle_deg <= hi):
        raise ValueError(f"angle: the direction of b must lie in [{lo:g}, {hi:g}] degrees, got {angle_deg}")
    return math.radians(angle_deg)


def _angle_estimate(phi: float, std: float, sigma: float, iterations: int, seconds: float, method: str,
                    **extra) -> Estimate:
    """φ̂ and its std in degrees, the interval φ̂ ± 1.96 std."""
    deg, half = math.degrees(phi), math.degrees(Z95 * std)
    return Estimate(deg, math.degrees(std), (deg - half, deg + half), sigma, iterations, seconds, method, **extra)


def estimate_direction(observations: Observations, eps: float, n: int = 48, angle0: float | None = None,
                       iterations: int = 50, tol: float = 1e-10, speed: float = SPEED) -> Estimate:
    """φ̂ (degrees), the direction of b = |b|(cos φ, sin φ) with ε and |b| known, by Gauss–Newton natural gradient
    on (U, φ) along A(φ)U = F (P2 on n × n squares), with its uncertainty Var(φ̂) = σ̂²/‖P dU/dφ‖² (module doc).

    ``angle0``: the start in degrees (default: the least misfit of :data:`ANGLE_START_GRID`)."""
    start = time.perf_counter()
    if observations.x.shape[1] != 2:
        raise ValueError(f"data: the direction of b is a 2D unknown; the points are {observations.x.shape[1]}D")
    fe = _Direction(eps, n, observations.x, speed)
    phi0 = _best_start(fe, observations, ANGLE_START_GRID) if angle0 is None else _check_angle(angle0)
    phi, std, sigma, steps, message, path = _gauss_newton(fe, observations, phi0, iterations, tol, MAX_ANGLE_STEP)
    return _angle_estimate(phi, std, sigma, steps, time.perf_counter() - start, "gauss-newton", message=message,
                           history={"angle": [math.degrees(p[2]) for p in path], "loss": [p[3] for p in path]})


def fe_least_squares_direction(observations: Observations, eps: float, n: int = 48,
                               speed: float = SPEED) -> Estimate:
    """The classical anchor for φ: scipy's bounded Brent search of the misfit over :data:`ANGLE_BOUNDS`, one
    Galerkin solve (assembly included) per evaluation, on the same P2 space."""
    from scipy.optimize import minimize_scalar

    start = time.perf_counter()
    space = FESpace(unit_square_mesh(_check_cells(n)), degree=2)
    P, source = probe_matrices(space, observations.x)[0], corner_layer_source(eps)

    def misfit(phi: float) -> float:
        problem = AdvectionDiffusion.create(eps, 2, velocity=tuple(_velocity(phi, speed)), source=source,
                                            dirichlet=0.0)
        r = P @ galerkin(problem, space) - observations.u
        return 0.5 * float(r @ r) / len(r)

    found = minimize_scalar(misfit, bounds=ANGLE_BOUNDS, method="bounded", options={"xatol": 1e-10})
    seconds = time.perf_counter() - start
    fe = _Direction(eps, n, observations.x, speed)
    lu = fe.factor(found.x)
    std, sigma = fe.std(lu, lu.solve(fe.F), found.x, observations)
    return _angle_estimate(found.x, std, sigma, int(found.nfev), seconds, "fe-least-squares",
                             message=str(found.message))
