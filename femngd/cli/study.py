"""``femngd study CONFIG``: run (or resume) a study described by a TOML/JSON config."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

__all__ = ["register", "add_output_arguments", "executor_from_args", "report", "run_and_report"]


def add_output_arguments(parser: argparse.ArgumentParser, default_out: str | None) -> None:
    """Options shared by ``study`` and ``demo``: --out, --workers, --executor, --scheduler, --json."""
    parser.add_argument("--out", default=default_out, metavar="DIR",
                        help="output folder (default: %(default)s); rerunning resumes it")
    parser.add_argument("--workers", type=int, default=1, metavar="K",
                        help="local worker processes (default: 1, in-process)")
    parser.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="where runs execute (dask: an existing cluster, see --scheduler)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--json", action="store_true",
                        help="print the summary as JSON on stdout (progress stays on stderr)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def executor_from_args(args: argparse.Namespace):
    """The executor chosen on the command line (ValueError on inconsistent options)."""
    from femngd.studies import make_executor

    if args.scheduler and args.executor != "dask":
        raise ValueError("scheduler: only used with --executor dask")
    return make_executor(args.executor, workers=args.workers, scheduler=args.scheduler)


def report(payload: dict[str, Any], out_dir: Path, as_json: bool, cases: dict[str, dict] | None = None) -> int:
    """Print the summary (table or JSON) on stdout, then the extra ``cases`` ({name: {"rows", "figures"}})."""
    from femngd.studies.report import COLUMNS, format_table

    config, cases = payload["config"], cases or {}
    figures = payload["figures"] + [f for case in cases.values() for f in case["figures"]]
    if as_json:
        doc = {"study": config["study"], "name": config["name"], "out": str(out_dir),
               "summary": payload["summary"], "figures": figures,
               **{name: case["rows"] for name, case in cases.items()}}
        json.dump(doc, sys.stdout, indent=1)
        print()
        return 0
    print(f"{config['study']} '{config['name']}': {config['problem']}, results in {out_dir}/")
    print(format_table(payload["summary"], COLUMNS[config["study"]]))
    for name, case in cases.items():
        print(f"\n{name}:")
        print(format_table(case["rows"], list(case["rows"][0])))
    if figures:
        pngs = [f for f in figures if f.endswith(".png")]
        print(f"figures ({len(pngs)} PNG + PDF): {', '.join(pngs)}")
    return 0


def run_and_report(config: dict[str, Any], args: argparse.Namespace,
                   cases: dict[str, Callable[[Path, bool], dict]] | None = None) -> int:
    """Run ``config`` with the command-line executor and output options, then each extra case
    (``cases[name](out_dir, progress) -> {"rows", "figures"}``, rows also saved as ``out_dir/<name>.json``);
    print the summary."""
    from femngd.io import atomic_write_json, check_writable_dir
    from femngd.studies import run_study

    out_dir = check_writable_dir(args.out or Path("femngd-results") / config["name"])
    payload = run_study(config, out_dir, executor=executor_from_args(args), progress=not args.quiet)
    done = {}
    for name, case in (cases or {}).items():
        done[name] = case(out_dir, not args.quiet)
        atomic_write_json(out_dir / f"{name}.json", done[name]["rows"])
    return report(payload, out_dir, args.json, done)


def _run(args: argparse.Namespace) -> int:
    from femngd.studies import expand, load_config

    config = load_config(Path(args.config))
    if args.validate:
        print(f"{args.config}: valid {config['study']} study '{config['name']}' ({len(expand(config))} runs)")
        return 0
    return run_and_report(config, args)


def register(subparsers: Any) -> None:
    """Add the ``study`` sub-command."""
    parser = subparsers.add_parser(
        "study", help="run an ε-sweep, h-convergence or optimizer comparison from a config",
        description="Run (or resume) a study from a TOML/JSON config: expand it into runs, "
        "execute them locally (K processes) or on a Dask cluster, write results.json, "
        "results.csv, runs/*.json and figures/ into the output folder.",
    )
    parser.add_argument("config", help="study config (.toml or .json); see scripts/configs/")
    add_output_arguments(parser, default_out=None)
    parser.add_argument("--validate", action="store_true",
                        help="check every name and option of the config (builds each method on a tiny mesh), run nothing")
    parser.set_defaults(func=_run)
