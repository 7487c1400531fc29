"""The ``femngd`` command line: a thin layer over the library.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds an
argparse sub-parser whose ``func(args) -> int`` does the work. Errors that are the user's
(bad arguments, bad files, bad configs) become one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import sys

__all__ = ["main", "UsageError", "ArgumentParser"]

#: subcommand modules, in the order they are listed by ``femngd --help``
SUBCOMMANDS = ("demo", "galerkin", "train", "inverse", "study")


def _subcommand_modules():
    """The modules of :data:`SUBCOMMANDS`, each with ``register(subparsers)``."""
    from . import demo, galerkin, inverse, study, train

    modules = {"demo": demo, "galerkin": galerkin, "train": train, "inverse": inverse, "study": study}
    return [modules[name] for name in SUBCOMMANDS]


class UsageError(Exception):
    """A problem with the user's input: reported as one line, exit code 2."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="femngd",
        description="Natural gradient descent in function space vs finite elements "
        "for advection-diffusion problems.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for module in _subcommand_modules():
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``femngd`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args) or 0)
    except (UsageError, ValueError, FileNotFoundError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"femngd: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except KeyboardInterrupt:
        print("femngd: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
