"""Progress of a study on stderr: runs done / total, elapsed time and ETA (stdout stays clean)."""
from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "format_seconds"]


def format_seconds(seconds: float) -> str:
    """``"42s"``, ``"3m05s"`` or ``"1h02m"``."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Counts finished runs; ETA = elapsed / (runs computed now) × (runs left).

    Runs already finished before the start (resume) count as done but not in the rate.
    """

    def __init__(self, total: int, done: int = 0, stream: TextIO | None = None,
                 enabled: bool = True, clock=time.perf_counter) -> None:
        self.total, self.done, self.skipped = total, done, done
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self._clock = clock
        self._start = clock()

    def message(self, text: str) -> None:
        """Print one line to the stream (if enabled)."""
        if self.enabled:
            print(f"femngd: {text}", file=self.stream, flush=True)

    def eta(self) -> float | None:
        """Seconds left, estimated from the runs computed so far (None before the first)."""
        computed = self.done - self.skipped
        if computed <= 0:
            return None
        return (self._clock() - self._start) / computed * (self.total - self.done)

    def update(self, label: str = "") -> str:
        """Mark one more run done; print and return the progress line."""
        self.done += 1
        eta = self.eta()
        width = len(str(self.total))
        line = (
            f"[{self.done:>{width}}/{self.total}] {100 * self.done / max(self.total, 1):3.0f}%  "
            f"elapsed {format_seconds(self._clock() - self._start)}"
            + (f"  ETA {format_seconds(eta)}" if eta is not None else "")
            + (f"  {label}" if label else "")
        )
        self.message(line)
        return line
