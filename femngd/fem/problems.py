"""Problem generator: steady advection–diffusion problems with closed-form solutions.

Every problem is an :class:`AdvectionDiffusion` value

    −ε Δu + b·∇u = f   in Ω,      u = g   on ∂Ω,

with data given as callables on points stored as rows, ``x.shape == (m, dim)``. The
generators in this module (in the spirit of pyamg's ``gallery``) build the reference problems
of the toolkit, each with its exact solution where one is known:

* :func:`layer_1d`        −εu″ + b u′ = f on (0, 1), boundary layer at the outflow end;
* :func:`corner_layer_2d` u = p(x)p(y) on (0, 1)², layers along x = 1 and y = 1;
* :func:`smooth_2d`       a smooth manufactured solution with non-zero Dirichlet data;
* :func:`poisson_2d`      −Δu = 2π² sin πx sin πy (b = 0, ε = 1), the usual NGD benchmark.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..registry import Registry

__all__ = [
    "AdvectionDiffusion",
    "PROBLEMS",
    "problem_name",
    "poisson_1d",
    "layer_1d",
    "layer_profile",
    "corner_layer_2d",
    "smooth_2d",
    "poisson_2d",
    "smooth_1d",
    "make_problem",
    "PROBLEM_NAMES",
    "problem_by_name",
    "check_eps",
]

PointFunction = Callable[[np.ndarray], np.ndarray]


def check_eps(eps: float) -> float:
    """Return ε as a float; raise ``ValueError("eps: ...")`` unless it is finite and > 0."""
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise ValueError(f"eps: must be a positive number, got {eps!r}") from None
    if not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps: must be finite and > 0, got {eps}")
    return eps


def _check_constant(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    """A finite constant of the given shape, or ``ValueError`` naming ``name``."""
    arr = np.asarray(value, dtype=float)
    if arr.shape != shape and not (shape == () and arr.size == 1 and arr.ndim <= 1):
        raise ValueError(f"{name}: expected shape {shape or 'scalar'}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return arr.reshape(shape)


def _as_field(name: str, value, dim: int) -> PointFunction:
    """A scalar field x ↦ (m,): callables are wrapped and checked, constants broadcast."""
    if callable(value):
        def field(x: np.ndarray) -> np.ndarray:
            out = np.asarray(value(x), dtype=float)
            if out.shape != (x.shape[0],):
                raise ValueError(f"{name}: callable returned shape {out.shape}, expected ({x.shape[0]},)")
            return out
        return field
    c = float(_check_constant(name, value, ()))
    return lambda x: np.full(x.shape[0], c)


def _as_vector_field(name: str, value, dim: int) -> PointFunction:
    """A vector field x ↦ (m, dim): callables are wrapped and checked, constants broadcast."""
    if callable(value):
        def field(x: np.ndarray) -> np.ndarray:
            out = np.asarray(value(x), dtype=float)
            if out.shape != (x.shape[0], dim):
                raise ValueError(f"{name}: callable returned shape {out.shape}, expected ({x.shape[0]}, {dim})")
            return out
        return field
    c = _check_constant(name, np.atleast_1d(np.asarray(value, dtype=float)), (dim,))
    return lambda x: np.broadcast_to(c, (x.shape[0], dim)).copy()


@dataclass(frozen=True)
class AdvectionDiffusion:
    """−ε Δu + b·∇u = f in Ω, u = g on ∂Ω (points as rows, ``x.shape == (m, dim)``).

    Attributes:
        eps: diffusion ε > 0.
        dim: space dimension (1 or 2).
        velocity: b, x ↦ (m, dim).
        source: f, x ↦ (m,).
        dirichlet: g, x ↦ (m,) (only used on ∂Ω).
        exact: u, x ↦ (m,), or None when unknown.
        exact_grad: ∇u, x ↦ (m, dim), or None.
        name: a short label used in tables and figures.
        has_zero_dirichlet: whether g ≡ 0 on the boundary of the unit interval/square (what the
            hard-constraint wrapper of the models assumes).
        constant_velocity: b as a (dim,) array when it is constant, else None.
        max_coordinate: the exact solution is only meaningful where every coordinate is ≤ this
            (the layer solutions: their exponents (x−1)/ε are ≤ 0 there); None: anywhere.
    """

    eps: float
    dim: int
    velocity: PointFunction
    source: PointFunction
    dirichlet: PointFunction
    exact: PointFunction | None = None
    exact_grad: PointFunction | None = None
    name: str = "advection-diffusion"
    has_zero_dirichlet: bool = False
    constant_velocity: np.ndarray | None = None
    max_coordinate: float | None = None

    @classmethod
    def create(
        cls,
        eps: float,
        dim: int,
        velocity=0.0,
        source=0.0,
        dirichlet=0.0,
        exact: PointFunction | None = None,
        exact_grad: PointFunction | None = None,
        name: str = "advection-diffusion",
        zero_on_unit_box: bool = False,
        max_coordinate: float | None = None,
    ) -> "AdvectionDiffusion":
        """Build a problem from constants or callables, validating every parameter.

        ``velocity`` may be a scalar (1D), a (dim,) vector, or a callable (m, dim) → (m, dim);
        ``source`` and ``dirichlet`` scalars or callables (m, dim) → (m,); ``dirichlet="exact"``
        imposes the exact solution's values, so the problem fits any mesh of its domain.
        ``zero_on_unit_box``: g vanishes on the boundary of (0, 1)^dim.
        Raises ValueError naming the parameter for ε ≤ 0, NaN or a wrong shape.
        """
        eps = check_eps(eps)
        if dim not in (1, 2):
            raise ValueError(f"dim: must be 1 or 2, got {dim!r}")
        constant_b = None
        if not callable(velocity):
            constant_b = _check_constant("b", np.atleast_1d(np.asarray(velocity, dtype=float)), (dim,))
        if isinstance(dirichlet, str) and dirichlet == "exact":
            if exact is None:
                raise ValueError("g: 'exact' Dirichlet data need an exact solution")
            dirichlet = exact
        zero_g = zero_on_unit_box or (not callable(dirichlet) and float(_check_constant("g", dirichlet, ())) == 0.0)
        return cls(
            eps=eps,
            dim=dim,
            velocity=_as_vector_field("b", velocity, dim),
            source=_as_field("f", source, dim),
            dirichlet=_as_field("g", dirichlet, dim),
            exact=exact,
            exact_grad=exact_grad,
            name=name,
            has_zero_dirichlet=zero_g,
            constant_velocity=constant_b,
            max_coordinate=max_coordinate,
        )

    def residual(self, value: np.ndarray, grad: np.ndarray, laplacian: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Strong residual −ε Δv + b·∇v − f at points x, given v's gradient (m, dim) and Laplacian (m,)."""
        return -self.eps * laplacian + np.einsum("md,md->m", self.velocity(x), grad) - self.source(x)


# --- 1D boundary layer --------------------------------------------------------------------------

def layer_profile(x: np.ndarray, eps: float, b: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The layer function w and its first two derivatives, stable for ε down to 1e-10.

    For b > 0:  w(x) = (exp(b(x−1)/ε) − exp(−b/ε)) / (1 − exp(−b/ε)), w(0) = 0, w(1) = 1,
    a layer of width ε/b at x = 1; for b < 0 the mirror image 1 − w̃ with the layer at x = 0.
    w solves −εw″ + b w′ = 0. Every exponent is ≤ 0, so nothing overflows.
    Returns (w, w′, w″).
    """
    x = np.asarray(x, dtype=float)
    if b == 0:
        return x.copy(), np.ones_like(x), np.zeros_like(x)
    k = b / eps
    if b > 0:
        e = np.exp(k * (x - 1.0))
        denom = -np.expm1(-k)          # 1 − exp(−b/ε), accurate for small b/ε too
        w = (e - np.exp(-k)) / denom
        return w, k * e / denom, k * k * e / denom
    e = np.exp(k * x)                  # k < 0: decays away from x = 0
    denom = -np.expm1(k)               # 1 − exp(b/ε)
    # 1 − (exp(kx) − exp(k)) / (1 − exp(k)) is 0 at x = 0 and 1 at x = 1
    w = 1.0 - (e - np.exp(k)) / denom
    return w, -k * e / denom, -k * k * e / denom


def layer_1d(eps: float, b: float = 1.0, f: float = 1.0, g0: float = 0.0, g1: float = 0.0) -> AdvectionDiffusion:
    """−ε u″ + b u′ = f on (0, 1), u(0) = g0, u(1) = g1, constant b and f.

    Exact solution (b ≠ 0), with w the layer profile of :func:`layer_profile`:

        u(x) = g0 + (f/b)·x + (g1 − g0 − f/b)·w(x).

    For the defaults b = 1, f = 1, g0 = g1 = 0 this is the classical
    u(x) = x − (exp((x−1)/ε) − exp(−1/ε)) / (1 − exp(−1/ε)), a layer at x = 1.
    For b = 0 it is the Poisson solution u = g0 + (g1 − g0)x + f x(1 − x)/(2ε).
    Stable for ε from 1 down to 1e-10 (all exponents ≤ 0).

    Example:
        >>> p = layer_1d(1e-2)
        >>> float(p.exact(np.array([[0.5]]))[0])   # doctest: +ELLIPSIS
        0.5...
    """
    eps = check_eps(eps)
    b, f, g0, g1 = (float(_check_constant(n, v, ())) for n, v in (("b", b), ("f", f), ("g0", g0), ("g1", g1)))

    if b == 0:
        def exact(x):
            s = x[:, 0]
            return g0 + (g1 - g0) * s + f * s * (1 - s) / (2 * eps)

        def exact_grad(x):
            s = x[:, 0]
            return ((g1 - g0) + f * (1 - 2 * s) / (2 * eps))[:, None]
    else:
        def exact(x):
            w, _, _ = layer_profile(x[:, 0], eps, b)
            return g0 + (f / b) * x[:, 0] + (g1 - g0 - f / b) * w

        def exact_grad(x):
            _, dw, _ = layer_profile(x[:, 0], eps, b)
            return ((f / b) + (g1 - g0 - f / b) * dw)[:, None]

    def dirichlet(x):
        return np.where(x[:, 0] < 0.5, g0, g1)

    return AdvectionDiffusion.create(
        eps, 1, velocity=b, source=f, dirichlet=0.0 if g0 == g1 == 0 else dirichlet,
        exact=exact, exact_grad=exact_grad, name=f"layer-1d(eps={eps:g})", max_coordinate=1.0,
    )


def smooth_1d(eps: float = 1.0, b: float = 1.0) -> AdvectionDiffusion:
    """A smooth manufactured 1D problem with non-zero Dirichlet data, for convergence rates.

        u(x) = sin(πx) + x,  f = −εu″ + b u′ = επ² sin(πx) + b(π cos(πx) + 1),  u(0) = 0, u(1) = 1.
    """
    eps = check_eps(eps)
    b = float(_check_constant("b", b, ()))

    def exact(x):
        return np.sin(np.pi * x[:, 0]) + x[:, 0]

    def exact_grad(x):
        return (np.pi * np.cos(np.pi * x[:, 0]) + 1.0)[:, None]

    def source(x):
        return eps * np.pi**2 * np.sin(np.pi * x[:, 0]) + b * exact_grad(x)[:, 0]

    return AdvectionDiffusion.create(eps, 1, velocity=b, source=source, dirichlet=exact, exact=exact,
                                     exact_grad=exact_grad, name=f"smooth-1d(eps={eps:g})")


# --- 2D problems --------------------------------------------------------------------------------

def corner_layer_2d(eps: float) -> AdvectionDiffusion:
    """−εΔu + (1, 1)·∇u = p(x) + p(y), exact u = p(x)·p(y), u = 0 on the boundary of (0, 1)².

    On other domains in {x ≤ 1, y ≤ 1} (e.g. the shipped L-shape) the Dirichlet data are the exact
    solution's values; domains reaching beyond x = 1 or y = 1 are refused (``max_coordinate``).

    p is the 1D solution of −εp″ + p′ = 1, p(0) = p(1) = 0 (:func:`layer_1d`): since
    −εΔu + u_x + u_y = p(y)(−εp″ + p′)(x) + p(x)(−εp″ + p′)(y) = p(y) + p(x).
    Layers of width ε along x = 1 and y = 1, meeting in a corner layer at (1, 1).
    """
    eps = check_eps(eps)
    p = layer_1d(eps)

    def parts(x):
        px = p.exact(x[:, :1])
        py = p.exact(x[:, 1:2])
        return px, py

    def exact(x):
        px, py = parts(x)
        return px * py

    def exact_grad(x):
        px, py = parts(x)
        dpx = p.exact_grad(x[:, :1])[:, 0]
        dpy = p.exact_grad(x[:, 1:2])[:, 0]
        return np.column_stack([dpx * py, px * dpy])

    def source(x):
        px, py = parts(x)
        return px + py

    return AdvectionDiffusion.create(
        eps, 2, velocity=(1.0, 1.0), source=source, dirichlet="exact", exact=exact,
        exact_grad=exact_grad, name=f"corner-layer-2d(eps={eps:g})", zero_on_unit_box=True, max_coordinate=1.0,
    )


def smooth_2d(eps: float = 1.0, b=(1.0, 0.5)) -> AdvectionDiffusion:
    """A smooth manufactured problem with non-zero Dirichlet data, usable on any 2D mesh.

        u(x, y) = exp(x) sin(πy) + x y,
        ∇u = (exp(x) sin(πy) + y,  π exp(x) cos(πy) + x),   Δu = (1 − π²) exp(x) sin(πy),
        f = −εΔu + b·∇u,   g = u on ∂Ω.

    b is a constant (2,) vector (default (1, 0.5)).
    """
    eps = check_eps(eps)
    bvec = _check_constant("b", np.atleast_1d(np.asarray(b, dtype=float)), (2,))

    def exact(x):
        return np.exp(x[:, 0]) * np.sin(np.pi * x[:, 1]) + x[:, 0] * x[:, 1]

    def exact_grad(x):
        e = np.exp(x[:, 0])
        return np.column_stack([e * np.sin(np.pi * x[:, 1]) + x[:, 1],
                                np.pi * e * np.cos(np.pi * x[:, 1]) + x[:, 0]])

    def source(x):
        lap = (1 - np.pi**2) * np.exp(x[:, 0]) * np.sin(np.pi * x[:, 1])
        return -eps * lap + exact_grad(x) @ bvec

    return AdvectionDiffusion.create(
        eps, 2, velocity=bvec, source=source, dirichlet=exact, exact=exact,
        exact_grad=exact_grad, name=f"smooth-2d(eps={eps:g})",
    )


def poisson_2d() -> AdvectionDiffusion:
    """−Δu = 2π² sin(πx) sin(πy) on (0, 1)², u = 0 on ∂Ω, exact u = sin(πx) sin(πy).

    The advection–diffusion family with b = 0 and ε = 1: the standard ENGD/PINN benchmark.
    """
    def exact(x):
        return np.sin(np.pi * x[:, 0]) * np.sin(np.pi * x[:, 1])

    def exact_grad(x):
        sx, sy = np.sin(np.pi * x[:, 0]), np.sin(np.pi * x[:, 1])
        cx, cy = np.cos(np.pi * x[:, 0]), np.cos(np.pi * x[:, 1])
        return np.pi * np.column_stack([cx * sy, sx * cy])

    return AdvectionDiffusion.create(
        1.0, 2, velocity=(0.0, 0.0), source=lambda x: 2 * np.pi**2 * exact(x), dirichlet="exact",
        exact=exact, exact_grad=exact_grad, name="poisson-2d", zero_on_unit_box=True,
    )


def poisson_1d() -> AdvectionDiffusion:
    """−u″ = π² sin πx on (0, 1), u(0) = u(1) = 0, exact u = sin πx (b = 0, ε = 1)."""
    return AdvectionDiffusion.create(
        1.0, 1, velocity=0.0, source=lambda x: np.pi**2 * np.sin(np.pi * x[:, 0]), dirichlet=0.0,
        exact=lambda x: np.sin(np.pi * x[:, 0]),
        exact_grad=lambda x: (np.pi * np.cos(np.pi * x[:, 0]))[:, None], name="poisson-1d")


#: every reference problem by its function's name: factory(eps) (the Poisson problems ignore ε: ε = 1)
PROBLEMS = Registry("problem")
PROBLEMS.register("layer_1d", layer_1d, doc="−εu″ + u′ = 1, u(0) = u(1) = 0: a boundary layer at x = 1")
PROBLEMS.register("smooth_1d", smooth_1d, options=("eps",))
PROBLEMS.register("poisson_1d", lambda eps=1.0: poisson_1d(), doc="−u″ = π² sin πx, u = sin πx (ε = 1)")
PROBLEMS.register("corner_layer_2d", corner_layer_2d, options=("eps",),
                  doc="b = (1, 1), u = p(x)p(y): layers along x = 1 and y = 1 and a corner layer")
PROBLEMS.register("smooth_2d", smooth_2d, options=("eps",))
PROBLEMS.register("poisson_2d", lambda eps=1.0: poisson_2d(), doc="−Δu = 2π² sin πx sin πy (the ENGD benchmark)")

#: the CLI's problem names (``--problem`` with ``--dim``) and the registered problem each one is
PROBLEM_NAMES = ("layer", "smooth", "poisson")
_BY_DIMENSION = {("layer", 1): "layer_1d", ("layer", 2): "corner_layer_2d", ("smooth", 1): "smooth_1d",
                 ("smooth", 2): "smooth_2d", ("poisson", 1): "poisson_1d", ("poisson", 2): "poisson_2d"}


def problem_name(name: str, dim: int) -> str:
    """The registered name of the CLI problem ``name`` in ``dim`` dimensions (a registered name stays)."""
    if name in PROBLEMS:
        return name
    if dim not in (1, 2):
        raise ValueError(f"dim: must be 1 or 2, got {dim!r}")
    if name not in PROBLEM_NAMES:
        raise ValueError(f"problem: must be one of {', '.join((*PROBLEM_NAMES, *PROBLEMS))}, got {name!r}")
    return _BY_DIMENSION[(name, dim)]


def problem_by_name(name: str, eps: float) -> AdvectionDiffusion:
    """The problem registered as ``name`` in :data:`PROBLEMS` at ε."""
    return PROBLEMS.build(name, eps=eps)


def make_problem(name: str, eps: float, dim: int = 1) -> AdvectionDiffusion:
    """The reference problem ``name`` in ``dim`` dimensions: a registered name (:data:`PROBLEMS`), or a CLI
    name: layer (:func:`layer_1d`, :func:`corner_layer_2d`), smooth (:func:`smooth_1d`, :func:`smooth_2d`),
    poisson (:func:`poisson_1d`, :func:`poisson_2d`)."""
    return problem_by_name(problem_name(name, dim), eps)
