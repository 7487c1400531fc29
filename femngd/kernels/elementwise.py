"""Elementwise kernels that numpy leaves scalar on some CPUs (plain arrays in, no femngd imports).

:func:`tanh` is the activation of the ENGD benchmark and of most networks here. numpy's
``np.tanh`` is a SIMD loop only where it has AVX-512 (SVML); on AVX2 machines it calls libm for
each element (~35 ns on the AMD EPYC host measured), which made tanh the largest cost of
an ENGD iteration (31 line-search evaluations of 900 × 32 preactivations). This kernel is
branch-free arithmetic that LLVM vectorizes: 4–5× faster than ``np.tanh`` there (``benchmarks/bench_tanh.py``),
within 2 ulp of it.
:func:`tanh_halving` evaluates a shallow network at the halving steps θ + s0 2⁻ᵏ d of ENGD's grid
line search, each step for about a third of a tanh per point and neuron.

The formulas are Cephes' (S. Moshier, *Methods and Programs for Mathematical Functions*, 1989):

* |x| < 0.625:  tanh x = x + x·s·P(s)/Q(s), s = x², a [2/3] rational minimax approximation;
* |x| ≥ 0.625:  tanh x = sign(x)·(1 − 2/(e^{2|x|} + 1)), with e^y = 2ⁿ·e^r, n = round(y/ln 2),
  r = y − n ln 2 (ln 2 split in two for an exact reduction), e^r = 1 + 2rP(r²)/(Q(r²) − rP(r²)).
  2ⁿ is a product over the binary digits of n (no ldexp in a vector loop). |x| is capped at 20
  (tanh 20 = 1 in double precision), so n ≤ 58.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["tanh", "tanh_halving", "tanh_halving_fields", "tanh_scalar"]

_ROUND = 6755399441055744.0                      # 1.5·2⁵²: (y + _ROUND) − _ROUND = round(y)
_FLAGS = {"contract"}                            # fused multiply-adds only: no reassociation
_OPTIONS = dict(cache=True, fastmath=_FLAGS, error_model="numpy", boundscheck=False)


@njit(inline="always", **_OPTIONS)
def _power_of_two(n):
    """2ⁿ for an integer-valued 0 ≤ n < 64, by its binary digits (vectorizes; ldexp does not)."""
    k = np.int32(n)
    return ((2.0 if k & 1 else 1.0) * (4.0 if k & 2 else 1.0) * (16.0 if k & 4 else 1.0)
            * (256.0 if k & 8 else 1.0) * (65536.0 if k & 16 else 1.0) * (4294967296.0 if k & 32 else 1.0))


@njit(inline="always", **_OPTIONS)
def tanh_scalar(x):
    """tanh x by the two branches of the module doc, selected without a branch."""
    a = abs(x)
    y = 2.0 * a if a < 20.0 else 40.0
    n = (1.4426950408889634073599 * y + _ROUND) - _ROUND
    r = (y - n * 6.93145751953125e-1) - n * 1.42860682030941723212e-6       # y − n ln 2, exactly
    rr = r * r
    p = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr + 9.99999999999999999910e-1)
    q = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr
         + 2.27265548208155028766e-1) * rr + 2.00000000000000000009e0
    exp_y = (1.0 + 2.0 * p / (q - p)) * _power_of_two(n)
    s = a * a
    ps = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s - 1.61468768441708447952e3
    qs = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s + 4.84406305325125486048e3
    small = a + a * s * (ps / qs)
    large = 1.0 - 2.0 / (exp_y + 1.0)
    t = math.copysign(small if a < 0.625 else large, x)
    return t if a == a else x                                              # NaN stays NaN


@njit(**_OPTIONS)
def _tanh_array(z, out):
    for i in range(z.size):
        out[i] = tanh_scalar(z[i])


@njit(**_OPTIONS)
def _direct_where_cancelling(z0, dz, s, t0, big_t, t):
    """t[q] = tanh(z0[q] + s dz[q]) where 1 + t0[q] T[q] < ½ (few points: gathered first)."""
    bad = np.empty(t.size, dtype=np.int64)
    n_bad = 0
    for q in range(t.size):
        if not 1.0 + t0[q] * big_t[q] >= 0.5:
            bad[n_bad] = q
            n_bad += 1
    for j in range(n_bad):
        q = bad[j]
        t[q] = tanh_scalar(z0[q] + s * dz[q])


@njit(**_OPTIONS)
def _tanh_halving(z0, dz, s0, coef, modes, out):
    """out[f, k, q] += Σ_i coef[f, k, i] σ_f(z0[i, q] + s0 2⁻ᵏ dz[i, q]), k = 0…K, for every field f with
    σ_f = tanh, tanh′ = 1 − t² or tanh″ = 2(t³ − t) (``modes[f]`` = 0, 1, 2): one recursion, all fields.

    Per neuron i and point q: T_K = tanh(s0 2⁻ᴷ dz) once, then T_{k−1} = 2T_k/(1 + T_k²) (doubling)
    and tanh(z0 + s0 2⁻ᵏ dz) = (t0 + T_k)/(1 + t0 T_k) (addition), two divisions per step instead
    of a tanh. Where 1 + t0 T_k < ½ (t0 ≈ −T_k ≈ ±1, the sum cancels) tanh is evaluated directly;
    elsewhere the error is ≤ ~4× that of the recursion. The inner loops run over points q
    (vectorized); z0, dz are (n, m).
    """
    n, m = z0.shape
    levels = coef.shape[1] - 1
    t0, big_t, t = np.empty(m), np.empty(m), np.empty(m)
    s_min = s0 * 0.5 ** levels
    for i in range(n):
        for q in range(m):
            t0[q] = tanh_scalar(z0[i, q])
            big_t[q] = tanh_scalar(s_min * dz[i, q])
        for k in range(levels, -1, -1):
            if k < levels:
                for q in range(m):
                    u = big_t[q]
                    big_t[q] = 2.0 * u / (1.0 + u * u)
            n_bad = 0
            for q in range(m):
                d = 1.0 + t0[q] * big_t[q]
                t[q] = (t0[q] + big_t[q]) / d
                n_bad += not d >= 0.5
            if n_bad:                            # t0 ≈ −T ≈ ±1: the addition formula cancels
                _direct_where_cancelling(z0[i], dz[i], s0 * 0.5 ** k, t0, big_t, t)
            for f in range(modes.shape[0]):
                c = coef[f, k, i]
                mode = modes[f]
                if mode == 0:
                    for q in range(m):
                        out[f, k, q] += c * t[q]
                elif mode == 1:
                    for q in range(m):
                        out[f, k, q] += c * (1.0 - t[q] * t[q])
                else:
                    for q in range(m):
                        out[f, k, q] += c * (2.0 * t[q] * (t[q] * t[q] - 1.0))


def tanh(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """tanh z elementwise (module doc), into ``out`` if given (``out`` may be ``z`` itself).

    Any shape; float64 result. Same values as ``np.tanh`` within 2 ulp, ±0, ±inf and NaN included.
    """
    z = np.asarray(z, dtype=np.float64)
    if not z.flags.c_contiguous:
        z = np.ascontiguousarray(z)
    if out is None:
        out = np.empty_like(z)
    elif out.shape != z.shape or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ValueError(f"out: must be a C-contiguous float64 array of shape {z.shape}")
    _tanh_array(z.reshape(-1), out.reshape(-1))
    return out


def tanh_halving(z0: np.ndarray, dz: np.ndarray, s0: float, coef: np.ndarray,
                 second: bool = False) -> np.ndarray:
    """S_kq = Σ_i coef_ki σ(z0_iq + s0 2⁻ᵏ dz_iq), k = 0…K, σ = tanh (or tanh″ = 2(t³ − t)).

    The value (or Laplacian) of a shallow tanh network at m points for the K + 1 parameter
    vectors θ + s0 2⁻ᵏ d of ENGD's grid line search: the preactivations are affine in the step,
    z0 + s dz, and tanh at halving steps follows from the doubling and addition formulas (see
    ``_tanh_halving``), each step costs about a third of a tanh. Rounding: relative errors
    of the doubling recursion do not grow (its condition number is (1 − T²)/(1 + T²) ≤ 1); the
    result agrees with direct evaluation to ~1e-14 relative to Σ|coef|.
    z0, dz: (n, m) (neurons × points); coef: (K + 1, n). Returns (K + 1, m).
    """
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim != 2:
        raise ValueError(f"tanh_halving: need coef (K + 1, n), got {coef.shape}")
    return tanh_halving_fields(z0, dz, s0, coef[None], (2 if second else 0,))[0]


def tanh_halving_fields(z0: np.ndarray, dz: np.ndarray, s0: float, coef: np.ndarray,
                        derivatives: tuple[int, ...]) -> np.ndarray:
    """:func:`tanh_halving` for several fields at once: S_fkq = Σ_i coef_fki σ^(j_f)(z0_iq + s0 2⁻ᵏ dz_iq),
    j_f = ``derivatives[f]`` ∈ {0, 1, 2} (tanh, tanh′, tanh″), sharing one doubling recursion.

    coef: (F, K + 1, n). Returns (F, K + 1, m).
    """
    z0, dz = np.ascontiguousarray(z0, dtype=np.float64), np.ascontiguousarray(dz, dtype=np.float64)
    coef = np.ascontiguousarray(coef, dtype=np.float64)
    modes = np.asarray(derivatives, dtype=np.int64)
    if (z0.ndim != 2 or dz.shape != z0.shape or coef.ndim != 3 or coef.shape[2] != z0.shape[0]
            or modes.shape != (coef.shape[0],) or np.any((modes < 0) | (modes > 2))):
        raise ValueError(f"tanh_halving: need z0, dz (n, m), coef (F, K + 1, n) and F derivative orders in "
                         f"0..2; got {z0.shape}, {dz.shape}, {coef.shape}, {tuple(derivatives)}")
    out = np.zeros((coef.shape[0], coef.shape[1], z0.shape[1]))
    _tanh_halving(z0, dz, float(s0), coef, modes, out)
    return out
