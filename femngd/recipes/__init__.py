"""Recipes: compositions of femngd's pieces that train a model robustly, with defaults that work.

* :func:`train_freeknot` — free-knot P1 at small ε: natural-gradient (Gauss–Newton) steps on the
  dual-norm residual against test hats that move with the knots, interleaved with de Boor
  re-equidistribution of the knots from the current approximation, and continuation in ε.
* :func:`train_network` — tanh networks at small ε: natural-gradient steps on the dual-norm FE
  residual of a uniform test mesh that resolves width ε, with continuation in ε (halved per stage).
* :func:`train_parametric` — one network u(x, ε) for a whole range of ε: natural-gradient steps on the
  strong residual sampled over (x, log ε), with continuation over the range (its lower end halved per stage).
"""
from .continuation import continuation_stages, problem_at
from .freeknot import FreeKnotRecipe, train_freeknot
from .network import NETWORK_MODELS, NetworkRecipe, train_network
from .parametric import (ParametricRecipe, ParametricResult, ParametricSolution, parametric_model,
                         relative_l2_errors, train_parametric)
from .registry import MODEL_RECIPES, RECIPES

__all__ = ["FreeKnotRecipe", "train_freeknot", "NetworkRecipe", "train_network", "NETWORK_MODELS",
           "continuation_stages", "problem_at", "ParametricRecipe", "ParametricResult", "ParametricSolution",
           "parametric_model", "relative_l2_errors", "train_parametric", "RECIPES", "MODEL_RECIPES"]
