"""Running a study: config → run specs → (skip finished) → executor → records → tables, figures.

:func:`run_study` is the one driver behind every study type; the study modules
(:mod:`.sweep`, :mod:`.convergence`, :mod:`.comparison`) only say how records become a summary
table and figures.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from . import comparison, convergence, sweep
from .aggregate import flatten
from .config import load_config
from .executors import Executor, LocalExecutor
from .progress import Progress
from .runs import run_spec
from .store import RunStore, jsonable, run_id

__all__ = ["expand", "execute", "run_study"]

_TRAINED_SPEC_KEYS = (
    "model", "model_options", "loss", "metric", "objective_options",
    "optimizer", "optimizer_options", "iterations", "tol", "time_budget", "stop_on", "meter_every",
)


def expand(config: dict[str, Any]) -> list[dict[str, Any]]:
    """All run specs of a (validated) config: ε × mesh sizes × (references + trained × seeds)."""
    mesh = config["mesh"]
    sizes = mesh["n"] if isinstance(mesh["n"], list) else [mesh["n"]]
    specs = []
    for eps in config["eps"]:
        for n in sizes:
            base = {"problem": config["problem"], "eps": eps, "mesh": dict(mesh, n=n)}
            specs += [{"kind": ref, "label": ref, **base} for ref in config["references"]]
            for t in config["trained"]:
                extra = {k: t[k] for k in _TRAINED_SPEC_KEYS}
                specs += [{"kind": t["kind"], "label": t["label"], **base, "seed": s, **extra}
                          for s in config["seeds"]]
    return specs


def execute(specs: list[dict[str, Any]], store: RunStore, executor: Executor | None = None,
            progress: Progress | None = None, func: Callable = run_spec) -> list[dict[str, Any]]:
    """Records of all specs, in spec order: finished ones loaded, the others run and saved.

    Each result is saved (atomically) as soon as it arrives, so an interruption loses only
    the runs in flight.
    """
    executor = executor or LocalExecutor(1)
    records: list[dict[str, Any] | None] = [store.load(spec) for spec in specs]
    todo = [i for i, rec in enumerate(records) if rec is None]
    progress = progress or Progress(len(specs), enabled=False)
    progress.done = progress.skipped = len(specs) - len(todo)
    if progress.skipped:
        progress.message(f"resuming: {progress.skipped} of {len(specs)} runs already finished")
    if todo:
        progress.message(f"running {len(todo)} runs ({executor.describe()})")
    for j, result in executor.map(func, [specs[i] for i in todo]):
        i = todo[j]
        records[i] = store.save(specs[i], result)
        progress.update(records[i]["run_id"])
    return records  # type: ignore[return-value]


def _study_module(study: str):
    """The module that summarizes and draws a study of type ``study`` (:data:`~femngd.studies.config.STUDIES`)."""
    return {"sweep": sweep, "convergence": convergence, "comparison": comparison}[study]


def run_study(config: dict | str | Path, out_dir: str | Path, executor: Executor | None = None,
              progress: bool = True, figures: bool = True) -> dict[str, Any]:
    """Run (or resume) a study and write ``results.json``, ``results.csv``, ``runs.csv``, figures.

    Returns the payload of ``results.json``: ``config``, ``records`` (spec order),
    ``summary`` (the table of the study type) and ``figures`` (paths relative to ``out_dir``).
    Non-finite numbers (e.g. "tolerance never reached") are stored as None.
    """
    config = load_config(config)
    store = RunStore(out_dir)
    specs = expand(config)
    bar = Progress(len(specs), enabled=progress)
    records = execute(specs, store, executor, bar)
    module = _study_module(config["study"])
    summary = module.summarize(config, records)
    paths = module.figures(config, records, summary, store.out_dir / "figures") if figures else []
    payload = jsonable({
        "config": config,
        "summary": summary,
        "figures": [str(Path(p).relative_to(store.out_dir)) for p in paths],
        "records": records,
    })
    store.write_csv([flatten(r) for r in records], "runs.csv")
    store.write_csv(summary, "results.csv")
    store.write_results(payload)
    bar.message(f"wrote {store.out_dir / 'results.json'} ({len(specs)} runs, {len(paths)} figures)")
    return payload


def spec_ids(specs: list[dict[str, Any]]) -> list[str]:
    """Run ids of ``specs`` (file names under ``runs/``)."""
    return [run_id(s) for s in specs]
