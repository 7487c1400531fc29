"""Registries: one table per kind of piece, name → factory, the options it accepts, a one-line doc.

Every name the toolkit accepts (problems, meshes, models, losses, metrics, solves, step rules,
optimizers, recipes) lives in exactly one :class:`Registry`, next to the code it names. The CLI's
choices, the study-config validation and the README's tables are read from them, and a user adds a
piece with one call::

    from femngd.natural import MODELS
    MODELS.register("mine", lambda problem, space, width=8: MyModel(width), doc="my model")

:meth:`Registry.build` refuses an option the factory does not take, naming it, so nothing a user
writes is silently ignored. This module imports nothing from femngd: every layer may use it.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

__all__ = ["Entry", "Registry"]


@dataclass(frozen=True)
class Entry:
    """One registered piece: its ``name``, ``factory``, the keyword ``options`` it accepts and ``doc``."""

    name: str
    factory: Callable[..., Any]
    options: tuple[str, ...]
    doc: str


def _keyword_options(factory: Callable[..., Any], positional: int) -> tuple[str, ...]:
    """The keyword parameters of ``factory`` after its first ``positional`` ones (no ``*args``/``**kw``)."""
    params = [p for p in inspect.signature(factory).parameters.values()
              if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return tuple(p.name for p in params[positional:])


class Registry:
    """Names of one ``kind`` of piece (the word used in errors: "optimizer", "loss", …).

    ``positional``: how many leading arguments every factory of the kind takes positionally (a model
    factory gets ``(problem, space)``); the remaining keyword parameters are its options.
    """

    def __init__(self, kind: str, positional: int = 0):
        self.kind, self.positional = kind, positional
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, factory: Callable[..., Any] | None = None, *, doc: str | None = None,
                 options: tuple[str, ...] | None = None):
        """Add ``factory`` under ``name`` (also usable as a decorator); its options default to its keyword
        parameters, its doc to the first line of its docstring. Returns the factory."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"name: a {self.kind} name must be a non-empty string, got {name!r}")

        def add(func: Callable[..., Any]) -> Callable[..., Any]:
            if not callable(func):
                raise ValueError(f"factory: the {self.kind} {name!r} needs a callable, got {func!r}")
            text = doc if doc is not None else (inspect.getdoc(func) or "").split("\n")[0]
            opts = tuple(options) if options is not None else _keyword_options(func, self.positional)
            self._entries[name] = Entry(name, func, opts, text)
            return func

        return add if factory is None else add(factory)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> tuple[str, ...]:
        """The registered names, in registration order."""
        return tuple(self._entries)

    def entry(self, name: str) -> Entry:
        """The entry ``name``; ValueError naming the kind and the known names otherwise."""
        if not isinstance(name, str) or name not in self._entries:
            raise ValueError(f"{self.kind}: must be one of {', '.join(self._entries)}, got {name!r}")
        return self._entries[name]

    def check_options(self, name: str, options: Mapping[str, Any]) -> None:
        """ValueError naming the first option the piece ``name`` does not take."""
        accepted = self.entry(name).options
        for key in options:
            if key not in accepted:
                raise ValueError(f"{key}: not an option of {self.kind} {name!r} "
                                 f"(it takes: {', '.join(accepted) or 'none'})")

    def build(self, name: str, *args: Any, **options: Any) -> Any:
        """``factory(*args, **options)`` of ``name`` after :meth:`check_options`."""
        self.check_options(name, options)
        return self.entry(name).factory(*args, **options)

    def markdown(self) -> str:
        """The README table of the kind: name, options, what it is."""
        rows = [f"| `{e.name}` | {', '.join(f'`{o}`' for o in e.options) or '—'} | {e.doc} |"
                for e in self._entries.values()]
        return "\n".join([f"| {self.kind} | options | what |", "|---|---|---|", *rows])

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"
