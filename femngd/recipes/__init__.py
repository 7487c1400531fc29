"""Recipes: compositions of femngd's pieces that train a model robustly, with defaults that work.

* :func:`train_freeknot` — free-knot P1 at small ε: natural-gradient (Gauss–Newton) steps on the
  dual-norm residual against test hats that move with the knots, interleaved with de Boor
  re-equidistribution of the knots from the current approximation, and continuation in ε.
"""
from .freeknot import FreeKnotRecipe, train_freeknot

__all__ = ["FreeKnotRecipe", "train_freeknot"]
