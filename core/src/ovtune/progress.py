"""Progress display for ``ovtune run``, built on the lifecycle hooks like any third-party
logger would be: it is a plugin object registered for the duration of a run."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.status import Status

from ovtune import hookimpl
from ovtune.context import RunInfo, StageRecord


class ConsoleProgress:
    """Prints one line per stage and shows a spinner while work is running."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self._status: Status | None = None
        self._started = 0.0
        self._phase = ""
        self._phase_started = 0.0
        self._phase_done = 0.0

    def _spin(self, text: str) -> None:
        self._stop()
        self._started = time.perf_counter()
        if self.console.is_terminal:
            self._status = self.console.status(text)
            self._status.start()

    def _stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    @hookimpl
    def ovtune_pipeline_start(self, run: RunInfo) -> None:
        stages = ", ".join(run.stages) or "no stages"
        self.console.print(f"[bold]ovtune[/] {run.recipe_name}: {stages} -> {run.run_dir}")

    @hookimpl
    def ovtune_stage_start(self, run: RunInfo, index: int, name: str, options: dict[str, Any]) -> None:
        self._spin(f"[{index}/{len(run.stages)}] stage {name} ...")

    @hookimpl
    def ovtune_stage_progress(self, run: RunInfo, index: int, done: float, total: float | None, message: str) -> None:
        if self._status is None:
            return
        now = time.perf_counter()
        if message != self._phase:
            self._phase, self._phase_started, self._phase_done = message, now, done
        text = f"[{index}/{len(run.stages)}] stage {run.stages[index - 1]}: {message}"
        if total:
            text += f" {done:.0f}/{total:.0f}"
            rate = (done - self._phase_done) / (now - self._phase_started) if now > self._phase_started else 0.0
            if rate > 0 and done < total:
                text += f" (~{(total - done) / rate:.0f} s left)"
        self._status.update(text)

    @hookimpl
    def ovtune_stage_finish(self, run: RunInfo, index: int, record: StageRecord) -> None:
        self._stop()
        how = "[dim]from cache[/]" if record.cached else f"in {record.seconds:.1f} s"
        self.console.print(f"  [{index}/{len(run.stages)}] stage {record.name} done {how}")

    @hookimpl
    def ovtune_measurement_start(self, run: RunInfo, model: str, name: str) -> None:
        self._spin(f"measuring {name} of {model} ...")

    @hookimpl
    def ovtune_measurement_finish(self, run: RunInfo, model: str, name: str, result: dict[str, Any]) -> None:
        self._stop()

    @hookimpl
    def ovtune_pipeline_finish(self, run: RunInfo, report: dict[str, Any]) -> None:
        self._stop()
