"""The weak forms of advection–diffusion, as scikit-fem forms (one small function each).

Inside a form, ``w.x`` holds quadrature points as (dim, elements, points); data callables of
the toolkit take points as rows (m, dim). :func:`at_points` converts between the two; data
reaches the forms as arrays at the quadrature points (keywords ``b``, ``f``, ``tau``).

    mass        M_ij = ∫ φ_j φ_i
    stiffness   K_ij = ∫ ∇φ_j·∇φ_i
    advection   C_ij = ∫ (b·∇φ_j) φ_i
    load        F_i  = ∫ f φ_i
    SUPG        S_ij = Σ_K ∫_K τ_K (b·∇φ_j)(b·∇φ_i),   F^S_i = Σ_K ∫_K τ_K f (b·∇φ_i)
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from skfem import BilinearForm, LinearForm
from skfem.helpers import dot, grad

__all__ = ["at_points", "mass", "stiffness", "advection", "load", "supg_tau", "supg_form", "supg_load"]


def at_points(func: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Evaluate a rows-convention callable at scikit-fem points ``x`` (dim, *shape).

    Returns (*shape) for scalar fields and (dim, *shape) for vector fields.
    """
    dim, shape = x.shape[0], x.shape[1:]
    values = np.asarray(func(np.asarray(x).reshape(dim, -1).T))
    if values.ndim == 1:
        return values.reshape(shape)
    return values.T.reshape((values.shape[1],) + shape)


@BilinearForm
def mass(u, v, w):
    """u v"""
    return u * v


@BilinearForm
def stiffness(u, v, w):
    """∇u·∇v"""
    return dot(grad(u), grad(v))


@BilinearForm
def advection(u, v, w):
    """(b·∇u) v, with b passed as the keyword ``b`` (a callable on rows)."""
    return dot(w.b, grad(u)) * v


@LinearForm
def load(v, w):
    """f v, with f passed as the keyword ``f``."""
    return w.f * v


def supg_tau(bnorm: np.ndarray, h: np.ndarray, eps: float, resolved: float | None = 1.0) -> np.ndarray:
    """τ = h/(2|b|)·(coth Pe − 1/Pe), Pe = |b|h/(2ε); τ = 0 where b = 0, and where Pe ≤ ``resolved``.

    Cells with mesh Péclet number Pe ≤ 1 resolve the advection (Galerkin is stable there): τ = 0,
    the standard choice on layer-adapted meshes, whose fine layer cells would otherwise be
    over-diffused (Roos–Stynes–Tobiska). ``resolved=None`` keeps the coth formula everywhere (1D,
    constant data: nodally exact on any mesh). coth Pe − 1/Pe is evaluated by its series
    Pe/3 − Pe³/45 for Pe < 1e-3 (no cancellation).
    """
    pe = bnorm * h / (2.0 * eps)
    if resolved is not None:
        bnorm = np.where(pe > resolved, bnorm, 0.0)
    small = pe < 1e-3
    safe = np.where(small, 1.0, pe)
    xi = np.where(small, pe / 3.0 - pe**3 / 45.0, 1.0 / np.tanh(safe) - 1.0 / safe)
    return np.where(bnorm > 0, h / (2.0 * np.where(bnorm > 0, bnorm, 1.0)) * xi, 0.0)


@BilinearForm
def supg_form(u, v, w):
    """τ (b·∇u)(b·∇v), τ from :func:`supg_tau` (keyword ``tau``)."""
    return w.tau * dot(w.b, grad(u)) * dot(w.b, grad(v))


@LinearForm
def supg_load(v, w):
    """τ f (b·∇v)"""
    return w.tau * w.f * dot(w.b, grad(v))
