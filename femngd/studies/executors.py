"""Executors: run independent specs with ``run_spec`` on K local processes or a Dask cluster.

An executor maps a function over a list of specs and yields ``(index, result)`` pairs in
completion order. Studies put results back in spec order, and every run is a deterministic
function of its spec, so the results do not depend on the executor or on the number of
workers (only the ``timing`` entries vary).

* :class:`LocalExecutor` (``workers=1``: in this process; ``workers=K``: a
  ``ProcessPoolExecutor`` with K spawned processes, BLAS limited to one thread each).
* :class:`DaskExecutor`: ``distributed.Client(address)``, ``client.map`` + ``as_completed``
  on an existing cluster (optional dependency: ``pip install femngd[dask]``).
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import uuid
from typing import Any, Callable, Iterator

__all__ = ["Executor", "LocalExecutor", "DaskExecutor", "make_executor"]

Func = Callable[[dict[str, Any]], dict[str, Any]]
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


class Executor:
    """Base class: ``map(func, specs)`` yields ``(index, func(specs[index]))`` as runs finish."""

    name = "executor"

    def map(self, func: Func, specs: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        raise NotImplementedError

    def describe(self) -> str:
        """One-line description for progress messages."""
        return self.name


@contextlib.contextmanager
def _single_threaded_children() -> Iterator[None]:
    """Set BLAS/numba thread counts to 1 in the environment inherited by spawned workers."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update(dict.fromkeys(_THREAD_VARS, "1"))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class LocalExecutor(Executor):
    """K worker processes on this machine (K = 1 runs in the calling process)."""

    name = "local"

    def __init__(self, workers: int = 1) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: must be an integer >= 1, got {workers!r}")
        self.workers = workers

    def describe(self) -> str:
        return f"local, {self.workers} worker{'s' if self.workers > 1 else ''}"

    def map(self, func: Func, specs: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        if self.workers == 1 or len(specs) <= 1:
            for i, spec in enumerate(specs):
                yield i, func(spec)
            return
        context = multiprocessing.get_context("spawn")
        with _single_threaded_children():
            pool = cf.ProcessPoolExecutor(max_workers=min(self.workers, len(specs)), mp_context=context)
            try:
                futures = {pool.submit(func, spec): i for i, spec in enumerate(specs)}
                for future in cf.as_completed(futures):
                    yield futures[future], future.result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Runs on an existing Dask distributed cluster (scheduler address or a ``Client``)."""

    name = "dask"

    def __init__(self, scheduler: Any) -> None:
        if scheduler is None or scheduler == "":
            raise ValueError("scheduler: the dask executor needs a scheduler address (tcp://host:port)")
        self.scheduler = scheduler

    def describe(self) -> str:
        address = getattr(self.scheduler, "scheduler", None)
        return f"dask at {getattr(address, 'address', self.scheduler)}"

    def map(self, func: Func, specs: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        distributed = _import_distributed()
        own = not isinstance(self.scheduler, distributed.Client)
        client = _connect(distributed, self.scheduler) if own else self.scheduler
        try:
            token = uuid.uuid4().hex[:8]
            keys = [f"femngd-run-{i}-{token}" for i in range(len(specs))]
            futures = client.map(func, specs, key=keys, pure=False)
            index = {f.key: i for f, i in zip(futures, range(len(specs)))}
            for future in distributed.as_completed(futures):
                yield index[future.key], future.result()
        finally:
            if own:
                client.close()


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ValueError(
            "executor: 'dask' needs the optional dependency dask[distributed] "
            "(pip install 'femngd[dask]')"
        ) from None
    return distributed


def _connect(distributed, address: str):
    try:
        return distributed.Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"scheduler: cannot connect to {address!r}: {exc}") from None


def make_executor(kind: str = "local", workers: int = 1, scheduler: Any = None) -> Executor:
    """An executor by name: ``"local"`` (K = ``workers`` processes) or ``"dask"`` (``scheduler``)."""
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler)
    raise ValueError(f"executor: must be 'local' or 'dask', got {kind!r}")
