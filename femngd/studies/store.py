"""The output folder of a study: atomic files, one JSON file per finished run, resume.

Layout of ``out_dir``::

    runs/<run-id>.json     one record per finished run: {"run_id", "spec", "result"}
    results.json           config, all records (in spec order) and the summary table
    results.csv            the summary table
    figures/*.png, *.pdf

Every file is written to a temporary file in the same directory and moved into place with
``os.replace`` (atomic on POSIX), so an interrupted study leaves complete files only. A run
is *finished* when its file parses and holds the same spec and a result; resuming skips it.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any, Iterable

from ..io import atomic_write_bytes, atomic_write_text, jsonable

__all__ = ["RunStore", "atomic_write_bytes", "atomic_write_text", "jsonable", "run_id"]


def canonical_json(value: Any) -> str:
    """Deterministic compact JSON (sorted keys): equal specs give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def run_id(spec: dict[str, Any]) -> str:
    """A readable, unique id: ``<label>-eps<ε>-n<n>[-s<seed>]-<sha1(spec)[:10]>``."""
    label = re.sub(r"[^A-Za-z0-9]+", "-", str(spec.get("label", spec["kind"]))).strip("-").lower()
    parts = [label or "run", f"eps{spec['eps']:.3g}", f"n{spec['mesh']['n']}"]
    if "seed" in spec:
        parts.append(f"s{spec['seed']}")
    digest = hashlib.sha1(canonical_json(spec).encode()).hexdigest()[:10]
    return "-".join(parts + [digest])


class RunStore:
    """Finished runs and final tables of one study, stored under ``out_dir``."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self.runs_dir = self.out_dir / "runs"

    def path(self, rid: str) -> Path:
        """File of the run ``rid``."""
        return self.runs_dir / f"{rid}.json"

    def load(self, spec: dict[str, Any]) -> dict[str, Any] | None:
        """The stored record of ``spec`` if that run is finished (complete, same spec), else None."""
        try:
            record = json.loads(self.path(run_id(spec)).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        complete = isinstance(record, dict) and isinstance(record.get("result"), dict)
        return record if complete and record.get("spec") == spec else None

    def save(self, spec: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        """Store the result of ``spec`` atomically; return the record as it reads back."""
        record = {"run_id": run_id(spec), "spec": spec, "result": jsonable(result)}
        text = json.dumps(record, indent=1, sort_keys=True, allow_nan=False)
        atomic_write_text(self.path(record["run_id"]), text + "\n")
        return json.loads(text)

    def write_results(self, payload: dict[str, Any]) -> Path:
        """Write ``results.json`` atomically."""
        path = self.out_dir / "results.json"
        text = json.dumps(jsonable(payload), indent=1, sort_keys=True, allow_nan=False)
        atomic_write_text(path, text + "\n")
        return path

    def write_csv(self, rows: Iterable[dict[str, Any]], name: str = "results.csv") -> Path:
        """Write the rows (dicts; columns = union of keys, first-seen order) as CSV atomically."""
        rows = [jsonable(r) for r in rows]
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        path = self.out_dir / name
        atomic_write_text(path, buffer.getvalue())
        return path
