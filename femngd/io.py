"""Files femngd writes: atomically (a complete file or none), with ordinary permissions, and JSON
that any reader accepts (numpy values as Python numbers, NaN/inf as null).

A file is written to a temporary name in the target folder and renamed over the target
(``os.replace``), so a crash or a full disk never leaves a half-written result. The temporary file
is created with mode 0666 minus the umask, like any file a program opens, so results are
0644 under the usual umask 022 (not ``mkstemp``'s 0600).
"""
from __future__ import annotations

import json
import math
import os
import secrets
from pathlib import Path
from typing import Any, Callable

__all__ = ["jsonable", "atomic_write", "atomic_write_bytes", "atomic_write_text", "atomic_write_json",
           "check_writable_dir", "write_study_outputs"]


def jsonable(value: Any) -> Any:
    """A JSON-safe deep copy: numpy scalars/arrays → Python numbers/lists, non-finite → None."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    raise TypeError(f"result: value of type {type(value).__name__} is not JSON-able")


def atomic_write(path: str | Path, write: Callable[[Any], None], binary: bool = True) -> Path:
    """Create ``path`` atomically: ``write(handle)`` fills a temporary file that is then renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)     # the umask applies
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, payload: Any, indent: int | None = 1) -> Path:
    """Write ``jsonable(payload)`` as JSON to ``path`` atomically."""
    return atomic_write_text(path, json.dumps(jsonable(payload), indent=indent))


def check_writable_dir(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a folder that exists or can be created and is writable, else ValueError naming ``option``.

    Called before any work, so a long run never ends by failing to save its result.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option}: {path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".femngd-write-test.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"{option}: cannot write to {path} ({exc.strerror or exc})") from None
    return path


def write_study_outputs(out_dir: str | Path, stem: str, rows: Any, table: str) -> Path:
    """A study script's results: ``OUT/<stem>.json`` (the rows) and ``OUT/table.md``, atomically; returns OUT."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / f"{stem}.json", rows)
    atomic_write_text(out / "table.md", table + "\n")
    return out
