"""Elementwise kernels that numpy leaves scalar on some CPUs (plain arrays in, no femngd imports).

:func:`tanh` is the activation of the ENGD benchmark and of most networks here. numpy's
``np.tanh`` is a SIMD loop only where it has AVX-512 (SVML); on AVX2 machines it calls libm for
each element (~35 ns on the machines this project runs on), which made tanh the largest cost of
an ENGD iteration (31 line-search evaluations of 900 × 32 preactivations). This kernel is
branch-free arithmetic that LLVM vectorizes: ~6× faster than ``np.tanh`` there, within 2 ulp of it.

The formulas are Cephes' (S. Moshier, *Methods and Programs for Mathematical Functions*, 1989):

* |x| < 0.625:  tanh x = x + x·s·P(s)/Q(s), s = x², a [2/3] rational minimax approximation;
* |x| ≥ 0.625:  tanh x = sign(x)·(1 − 2/(e^{2|x|} + 1)), with e^y = 2ⁿ·e^r, n = round(y/ln 2),
  r = y − n ln 2 (ln 2 split in two for an exact reduction), e^r = 1 + 2rP(r²)/(Q(r²) − rP(r²)).
  2ⁿ is built from its bits (no ldexp in a vector loop). |x| is capped at 20 (tanh 20 = 1 in
  double precision), so n ≤ 58.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["tanh"]

_ROUND = 6755399441055744.0                                  # 1.5·2⁵²: y + _ROUND holds round(y) in its low bits
_ROUND_BITS = int(np.array([_ROUND]).view(np.int64)[0])
_LN2_HI, _LN2_LO = 6.93145751953125e-1, 1.42860682030941723212e-6
_FLAGS = {"contract"}                                        # fused multiply-adds only: no reassociation


@njit(cache=True, fastmath=_FLAGS, error_model="numpy", boundscheck=False)
def _exp_parts(z, mantissa, scale):
    """e^{2 min(|z|, 20)} = mantissa · 2ⁿ: ``mantissa`` = e^r, ``scale`` = round(2|z|/ln 2) + 1.5·2⁵²."""
    for i in range(z.size):
        y = 2.0 * abs(z[i])
        y = y if y < 40.0 else 40.0
        k = 1.4426950408889634073599 * y + _ROUND
        n = k - _ROUND
        r = (y - n * _LN2_HI) - n * _LN2_LO
        rr = r * r
        p = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr + 9.99999999999999999910e-1)
        q = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr
             + 2.27265548208155028766e-1) * rr + 2.00000000000000000009e0
        mantissa[i] = 1.0 + 2.0 * p / (q - p)
        scale[i] = k


@njit(cache=True, fastmath=_FLAGS, error_model="numpy", boundscheck=False)
def _power_of_two(bits):
    """Turns round(y/ln 2) + 1.5·2⁵² (viewed as int64) into the bits of the double 2ⁿ, in place."""
    for i in range(bits.size):
        bits[i] = (bits[i] - _ROUND_BITS + 1023) << 52


@njit(cache=True, fastmath=_FLAGS, error_model="numpy", boundscheck=False)
def _tanh_combine(z, mantissa, scale, out):
    """out = tanh z from the rational branch (|z| < 0.625) or from e^{2|z|} = mantissa · scale."""
    for i in range(z.size):
        x = z[i]
        a = abs(x)
        s = a * a
        p = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s - 1.61468768441708447952e3
        q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s + 4.84406305325125486048e3
        small = a + a * s * (p / q)
        large = 1.0 - 2.0 / (mantissa[i] * scale[i] + 1.0)
        t = math.copysign(small if a < 0.625 else large, x)
        out[i] = t if a == a else x                          # NaN stays NaN


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
    flat = z.reshape(-1)
    mantissa, scale = np.empty_like(flat), np.empty_like(flat)
    _exp_parts(flat, mantissa, scale)
    _power_of_two(scale.view(np.int64))
    _tanh_combine(flat, mantissa, scale, out.reshape(-1))
    return out
