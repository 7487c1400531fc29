"""A linear second-order operator applied to a shallow tanh network: values, θ-Jacobian, and all the
halving steps of a grid line search (plain arrays in, no femngd imports).

For v(x) = Σ_i c_i tanh(z_i) + c_0, z_i = w_i·x + b_i, and coefficients per point (α_q, β_q ∈ R^dim, γ_q):

    (Lv)_q = α_q v(x_q) + β_q·∇v(x_q) + γ_q Δv(x_q)
           = Σ_i c_i [α σ + (β·w_i) σ′ + γ |w_i|² σ″] + α c_0          (σ^(j) = tanh^(j)(z_i))

and its derivatives in θ = (w (row-major), b, c, c_0):

    ∂/∂c_i  = α σ + (β·w_i) σ′ + γ |w_i|² σ″
    ∂/∂b_i  = c_i [α σ′ + (β·w_i) σ″ + γ |w_i|² σ‴]
    ∂/∂w_ik = x_k ∂/∂b_i + c_i (β_k σ′ + 2γ w_ik σ″)
    ∂/∂c_0  = α

The strong residual −εΔv + b·∇v is α = 0, β = b, γ = −ε; a hard-constraint wrapper v = dN + ℓ turns it
into an operator of the same form on N. One pass over (point, neuron) pairs writes each Jacobian row
once: no per-field (m, p) or (m, dim, p) arrays.

:func:`tanh_operator_halving` gives (Lv)_q at θ + s_k δθ, s_k = s0 2⁻ᵏ (k = 0…K), with
z_i(s) = z_i + s δz_i, c_i(s) = c_i + s δc_i, β·w_i(s) = u_i + s v_i (u = β·w, v = β·δw) and
|w_i(s)|²: tanh of every step from the doubling and addition formulas of
:mod:`femngd.kernels.elementwise` (evaluated directly where the addition would cancel), processed in
tiles of points so that the (K + 1) × tile accumulator stays in cache.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .elementwise import _OPTIONS, tanh_scalar

__all__ = ["tanh_operator", "tanh_operator_halving", "point_array", "HALVING_TILE"]

#: points per tile of the halving kernel (its accumulator is (K + 1) × tile doubles)
HALVING_TILE = 512


def point_array(coef, shape: tuple[int, ...]) -> np.ndarray:
    """A coefficient as a C-contiguous float64 array of ``shape`` (None → zeros, scalars filled, arrays
    broadcast); an array that already is one is returned as it is (no copy: the small-problem hot path)."""
    if isinstance(coef, np.ndarray) and coef.shape == shape and coef.dtype == np.float64 and coef.flags.c_contiguous:
        return coef
    if coef is None:
        return np.zeros(shape)
    if np.ndim(coef) == 0:
        return np.full(shape, float(coef))
    return np.ascontiguousarray(np.broadcast_to(np.asarray(coef, dtype=np.float64), shape))


@njit(**_OPTIONS)
def _operator_rows(x, WT, b, c, c0, alpha, beta, gamma, values, J, jacobian):
    """values[q] = (Lv)_q and, if ``jacobian``, J[q] = ∂(Lv)_q/∂θ (module doc); WT = wᵀ (dim, n).

    Per point, every neuron's terms are computed in contiguous work arrays (vectorized over neurons)
    and copied into the row: the interleaved w-columns last, one coordinate at a time."""
    m, dim = x.shape
    n = WT.shape[1]
    z, t, s1, s2, bw, sq = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.zeros(n)
    dc, db, dw = np.empty(n), np.empty(n), np.empty(n)
    for k in range(dim):
        for i in range(n):
            sq[i] += WT[k, i] * WT[k, i]
    has_bias = J.shape[1] == n * (dim + 2) + 1
    for q in range(m):
        a, g = alpha[q], gamma[q]
        for i in range(n):
            z[i] = b[i]
            bw[i] = 0.0
        for k in range(dim):
            xk, bk = x[q, k], beta[q, k]
            for i in range(n):
                z[i] += WT[k, i] * xk
                bw[i] += WT[k, i] * bk
        for i in range(n):
            t[i] = tanh_scalar(z[i])
        total = a * c0
        for i in range(n):
            ti = t[i]
            d1 = 1.0 - ti * ti
            d2 = -2.0 * ti * d1
            s1[i] = d1
            s2[i] = d2
            dc[i] = a * ti + bw[i] * d1 + g * sq[i] * d2
            total += c[i] * dc[i]
        values[q] = total
        if not jacobian:
            continue
        row = J[q]
        for i in range(n):
            ti = t[i]
            db[i] = c[i] * (a * s1[i] + bw[i] * s2[i] + g * sq[i] * (s1[i] * (6.0 * ti * ti - 2.0)))
        row[n * dim: n * dim + n] = db
        row[n * dim + n: n * dim + 2 * n] = dc
        for k in range(dim):
            xk, bk = x[q, k], beta[q, k]
            for i in range(n):
                dw[i] = xk * db[i] + c[i] * (bk * s1[i] + 2.0 * g * WT[k, i] * s2[i])
            row[k: n * dim: dim] = dw
        if has_bias:
            row[n * (dim + 2)] = a


def tanh_operator(x: np.ndarray, W: np.ndarray, b: np.ndarray, c: np.ndarray, c0: float | None,
                  alpha: np.ndarray, beta: np.ndarray, gamma: np.ndarray, jacobian: bool = True,
                  out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """((Lv)_q (m,), ∂(Lv)/∂θ (m, p) or None) for the shallow tanh network (W (n, dim), b, c, c0) at x (m, dim).

    α (m,), β (m, dim), γ (m,) are the operator's coefficients (module doc; scalars broadcast);
    ``c0=None``: no output bias (p = n(dim + 2), else n(dim + 2) + 1, its column last). The Jacobian is
    written into ``out`` (m, p) when given (C-contiguous rows).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    m, (n, dim) = x.shape[0], W.shape
    alpha, gamma, beta = point_array(alpha, (m,)), point_array(gamma, (m,)), point_array(beta, (m, dim))
    if x.shape != (m, dim) or np.shape(b) != (n,) or np.shape(c) != (n,):
        raise ValueError(f"tanh_operator: need x (m, {dim}), b and c ({n},); got {x.shape}, {np.shape(b)}, {np.shape(c)}")
    p = n * (dim + 2) + (c0 is not None)
    values = np.empty(m)
    if out is not None and (out.shape != (m, p) or out.dtype != np.float64 or not out.flags.c_contiguous):
        raise ValueError(f"out: must be a C-contiguous float64 array of shape {(m, p)}")
    J = (out if out is not None else np.empty((m, p))) if jacobian else np.empty((0, p))
    _operator_rows(x, np.ascontiguousarray(W.T), np.ascontiguousarray(b, dtype=np.float64),
                   np.ascontiguousarray(c, dtype=np.float64), 0.0 if c0 is None else float(c0),
                   alpha, beta, gamma, values, J, bool(jacobian))
    return values, (J if jacobian else None)


@njit(inline="always", **_OPTIONS)
def _term(t, a_alpha, B, C):
    """a α t + B (1 − t²) + C (2t³ − 2t), one neuron's contribution at one point (C = g γ)."""
    return B + t * (a_alpha - 2.0 * C + t * (t * (2.0 * C) - B))


@njit(**_OPTIONS)
def _halving_level(t0, T, z0, dz, alpha, u, v, gamma, acc, s, a, a_s, g, w, first):
    """One level of the line search for one neuron on a tile of w points: T ← 2T/(1 + T²) (unless
    ``first``), t = (t0 + T)/(1 + t0 T), acc += a α t + (a u + a_s v)(1 − t²) + g γ (2t³ − 2t)
    (a = c(s), a_s = s c(s), g = c(s)|w(s)|²). Where the addition cancels (1 + t0 T < ½, t0 ≈ −T ≈ ±1)
    t is taken as 0 in the vector loop and the term replaced by the one of tanh(z0 + s dz) after it."""
    bad = 0
    for j in range(w):
        big_t = T[j]
        if not first:
            big_t = 2.0 * big_t / (1.0 + big_t * big_t)
            T[j] = big_t
        d = 1.0 + t0[j] * big_t
        ok = d >= 0.5
        bad += not ok
        t = (t0[j] + big_t) / d if ok else 0.0
        acc[j] += _term(t, a * alpha[j], a * u[j] + a_s * v[j], g * gamma[j])
    if bad:
        for j in range(w):
            if not 1.0 + t0[j] * T[j] >= 0.5:
                B = a * u[j] + a_s * v[j]
                acc[j] += _term(tanh_scalar(z0[j] + s * dz[j]), a * alpha[j], B, g * gamma[j]) - B


@njit(**_OPTIONS)
def _tile_lines(x, beta, W, b, dW, db, i, q0, w, z0, dz, u, v):
    """z0 = w_i·x + b_i, δz = δw_i·x + δb_i, u = β·w_i, v = β·δw_i on the points q0…q0 + w − 1."""
    for j in range(w):
        z0[j], dz[j], u[j], v[j] = b[i], db[i], 0.0, 0.0
    for k in range(x.shape[1]):
        wk, dwk = W[i, k], dW[i, k]
        for j in range(w):
            xk, bk = x[q0 + j, k], beta[q0 + j, k]
            z0[j] += wk * xk
            dz[j] += dwk * xk
            u[j] += wk * bk
            v[j] += dwk * bk


@njit(**_OPTIONS)
def _tile_tanh(z0, dz, s_min, t0, T, w):
    """t0 = tanh z0 and T = tanh(s_min δz) on a tile; T by its Taylor polynomial x − x³/3 + 2x⁵/15 − 17x⁷/315
    where |x| ≤ 2⁻¹⁰ (relative error < 1e-25: the smallest step makes that the common case), tanh elsewhere."""
    large = 0
    for j in range(w):
        t0[j] = tanh_scalar(z0[j])
        y = s_min * dz[j]
        yy = y * y
        T[j] = y + y * yy * (-1.0 / 3.0 + yy * (2.0 / 15.0 - yy * (17.0 / 315.0)))
        large += not abs(y) <= 0.0009765625
    if large:
        for j in range(w):
            y = s_min * dz[j]
            if not abs(y) <= 0.0009765625:
                T[j] = tanh_scalar(y)


@njit(**_OPTIONS)
def _operator_halving(x, beta, W, b, dW, db, s0, ca, cas, cg, alpha, gamma, out, tile):
    """out[k, q] = Σ_i ca[k,i] α_q σ + (ca[k,i] u_iq + cas[k,i] v_iq) σ′ + cg[k,i] γ_q σ″ at z0 + s0 2⁻ᵏ dz."""
    m, n = x.shape[0], W.shape[0]
    levels = out.shape[0] - 1
    s_min = s0 * 0.5 ** levels
    acc = np.zeros((levels + 1, tile))
    t0, T, z0, dz, u, v = np.empty(tile), np.empty(tile), np.empty(tile), np.empty(tile), np.empty(tile), np.empty(tile)
    for q0 in range(0, m, tile):
        w = min(m, q0 + tile) - q0
        acc[:, :w] = 0.0
        al, ga = alpha[q0:q0 + w], gamma[q0:q0 + w]
        for i in range(n):
            _tile_lines(x, beta, W, b, dW, db, i, q0, w, z0, dz, u, v)
            _tile_tanh(z0, dz, s_min, t0, T, w)
            for k in range(levels, -1, -1):
                _halving_level(t0, T, z0, dz, al, u, v, ga, acc[k], s0 * 0.5 ** k, ca[k, i], cas[k, i], cg[k, i], w,
                               k == levels)
        out[:, q0:q0 + w] = acc[:, :w]


def tanh_operator_halving(x: np.ndarray, W: np.ndarray, b: np.ndarray, dW: np.ndarray, db: np.ndarray, s0: float,
                          ca: np.ndarray, cas: np.ndarray, cg: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
                          gamma: np.ndarray, tile: int = HALVING_TILE) -> np.ndarray:
    """S_kq = Σ_i ca_ki α_q σ_kiq + (ca_ki u_iq + cas_ki v_iq) σ′_kiq + cg_ki γ_q σ″_kiq at the K + 1 halving steps.

    σ_kiq = tanh(z_iq + s_k δz_iq), s_k = s0 2⁻ᵏ, z = W x + b, δz = δW x + δb, u = β·w_i, v = β·δw_i (computed
    per tile); for the operator of the module doc ca = c(s_k), cas = s_k c(s_k), cg = c(s_k)|w(s_k)|² (K + 1, n).
    x, β (m, dim); W, δW (n, dim); b, δb (n,); α, γ (m,). Returns (K + 1, m). Agrees with direct evaluation to
    ~1e-14 relative to the sum of the absolute terms (the doubling recursion's relative errors do not grow: its
    condition number is (1 − T²)/(1 + T²) ≤ 1).
    """
    x, beta, W, dW = (np.ascontiguousarray(a, dtype=np.float64) for a in (x, beta, W, dW))
    b, db, ca, cas, cg = (np.ascontiguousarray(a, dtype=np.float64) for a in (b, db, ca, cas, cg))
    m, (n, dim) = x.shape[0], W.shape
    alpha, gamma = point_array(alpha, (m,)), point_array(gamma, (m,))
    if (x.shape != (m, dim) or beta.shape != (m, dim) or dW.shape != (n, dim) or b.shape != (n,) or db.shape != (n,)
            or ca.ndim != 2 or ca.shape[1] != n or cas.shape != ca.shape or cg.shape != ca.shape):
        raise ValueError(f"tanh_operator_halving: need x, beta (m, dim), W, dW (n, dim), b, db (n,) and ca, cas, cg "
                         f"(K + 1, n); got {x.shape}, {beta.shape}, {W.shape}, {dW.shape}, {b.shape}, {db.shape}, "
                         f"{ca.shape}, {cas.shape}, {cg.shape}")
    if not isinstance(tile, (int, np.integer)) or tile < 1:
        raise ValueError(f"tile: must be a positive integer, got {tile!r}")
    out = np.empty((ca.shape[0], m))
    _operator_halving(x, beta, W, b, dW, db, float(s0), ca, cas, cg, alpha, gamma, out, int(min(tile, max(m, 1))))
    return out
