"""Default optimizer options: what a run gets for every option the user does not name.

Chosen so that every model × loss × metric combination converges (measured at ε = 0.1, README):

* **Step.** A fixed step 1 is the exact minimizer only where the Gauss–Newton model is exact: a
  linear model (FE coefficients, Legendre, Fourier) with the Gauss–Newton metric on a quadratic
  loss — one step lands on the minimizer. Everywhere else a grid line search over 2⁻ᵏ (the ENGD
  rule): a fixed step 1 diverges for nonlinear models (a shallow network on the strong residual:
  loss 1e8) and for the L2/H1 metrics (NGD is then preconditioned gradient descent with κ ~ h⁻⁴).
* **Regularization.** Nonlinear models get a Tikhonov shift of 1e-4·trace(G)/p
  (Levenberg–Marquardt-like damping): their Gram matrices have numerical rank far below p
  (an MLP of 49 parameters: rank 7, condition 5e10), and with the tiny default shift 1e-10 the
  natural direction is dominated by the noise directions and the line search takes steps of 1e-7.
  Linear models keep 1e-10 (exact solves).
* **Momentum.** β = 0.3 for nonlinear models (the literature's setting for the strong residual;
  larger β fights the line search), 0.9 for linear ones.

Adam and L-BFGS take no options here (Adam's learning rate defaults to 1e-3).
"""
from __future__ import annotations

from typing import Any

__all__ = ["default_optimizer_options", "MOMENTUM_OPTIMIZERS"]

#: optimizers that take a momentum β
MOMENTUM_OPTIMIZERS = ("nhb-lm", "nhb-fd", "nlg", "nnesterov", "hb", "nesterov", "spring")


def default_optimizer_options(optimizer: str, linear: bool, loss: str, metric: str) -> dict[str, Any]:
    """The options of :func:`~femngd.optim.build_optimizer` that ``optimizer`` gets by default for a
    (linear or nonlinear) model trained on ``loss`` in ``metric`` (module doc)."""
    if optimizer in ("adam", "lbfgs"):
        return {}
    exact = linear and metric == "gauss-newton" and loss != "kl"
    options: dict[str, Any] = {"solve": "tikhonov", "reg": 1e-10 if linear else 1e-4,
                               "step": "fixed" if exact else "grid"}
    if optimizer in MOMENTUM_OPTIMIZERS:
        options["momentum"] = 0.9 if linear else 0.3
    return options
