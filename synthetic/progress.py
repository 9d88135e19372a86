"""A plain-text progress line for the terminal (no dependency): ``[synth] households  42% (420,000 / 1,000,000)``.

On a terminal the line is redrawn in place; in a log (not a TTY) a line is printed each 10 %.
"""

from __future__ import annotations

import time


class TextProgress:
    def __init__(self, stream, prefix: str = "[synth]") -> None:
        self.stream = stream
        self.prefix = prefix
        self.started = time.perf_counter()
        self._stage: str | None = None
        self._last_step = -1
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, stage: str, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if stage != self._stage:
            if self._stage is not None and self.tty:
                self._write("\n")
            self._stage, self._last_step = stage, -1
        step = percent // 10
        if not self.tty and step == self._last_step and done < total:
            return
        self._last_step = step
        elapsed = time.perf_counter() - self.started
        line = f"{self.prefix} {stage:<12} {percent:>3d}% ({done:,} / {total:,})  {elapsed:6.1f} s"
        if self.tty:
            self._write("\r" + line + ("\n" if done >= total else ""))
            if done >= total:
                self._stage = None
        else:
            self._write(line + "\n")

    def _write(self, text: str) -> None:
        if hasattr(self.stream, "style_func"):  # Django's OutputWrapper adds a newline unless told not to
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()
