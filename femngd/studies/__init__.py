"""Studies: ε-sweeps, h-convergence and optimizer comparisons as library functions.

A study is a config (dict, TOML or JSON; :func:`load_config`) expanded into independent run
specs (:func:`expand`), each executed by the pure function :func:`run_spec` on an executor
(:class:`LocalExecutor` with K processes, or :class:`DaskExecutor`), stored one JSON file per
run so that an interrupted study resumes (:class:`RunStore`), then summarized (median and range
over seeds) into ``results.json``, ``results.csv`` and figures.

Example::

    from femngd.studies import run_study, LocalExecutor
    payload = run_study("scripts/configs/sweep.toml", "out/", executor=LocalExecutor(2))
"""
from .comparison import optimizer_comparison, time_to_tolerance
from .config import load_config, validate_config
from .convergence import h_convergence, observed_orders
from .core import execute, expand, run_study
from .executors import DaskExecutor, Executor, LocalExecutor, make_executor
from .progress import Progress
from .runs import RUN_KINDS, plot_points, register_kind, resolve_kind, run_spec
from .store import RunStore, jsonable, run_id
from .sweep import eps_sweep

__all__ = [
    "load_config", "validate_config", "expand", "execute", "run_study", "run_spec",
    "register_kind", "resolve_kind", "RUN_KINDS", "plot_points", "RunStore", "run_id", "jsonable",
    "Executor", "LocalExecutor", "DaskExecutor", "make_executor", "Progress",
    "eps_sweep", "h_convergence", "optimizer_comparison", "observed_orders", "time_to_tolerance",
]
