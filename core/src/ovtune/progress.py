"""Progress display for ``ovtune run`` and ``ovtune tune``.

:class:`ConsoleProgress` is built on the lifecycle hooks like any third-party logger would be: a
plugin object registered for the duration of a run. It prints one line per stage and, on a
terminal only, a live line while a stage runs or the models are measured: model i of n, the
measurement, the steps done, the time elapsed and an estimate of the time left.
:class:`TuneProgress` is the live line of a tune: the running trial, the trials done against the
trial budget, and the time used against the time budget. Neither draws anything when its console
is not a terminal (logs, pipes, CI) or when the command prints ``--json``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TaskID
from rich.status import Status
from rich.text import Text

from ovtune import hookimpl
from ovtune.context import RunInfo, StageRecord


def _seconds(value: float) -> str:
    value = max(0.0, value)
    if value < 60:
        return f"{value:.0f} s"
    minutes, seconds = divmod(int(value), 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass
class MeasurementPlan:
    """What a run measures: the models in order (original, each stage's output, the baseline)
    and the measurements run on each OpenVINO model; the baseline is one step."""

    models: list[str]
    measurements: list[str]
    baseline: str | None = None
    durations: dict[str, list[float]] = field(default_factory=dict)
    """Seconds each finished measurement took, by measurement name (for the time left)."""

    @classmethod
    def of(cls, recipe: Any) -> MeasurementPlan:
        """The plan of a :class:`ovtune.recipe.Recipe`."""
        baseline = recipe.baseline.item.name if recipe.baseline is not None else None
        models = ["original", *(spec.label for spec in recipe.stages)]
        return cls(models, [m.item.name for m in recipe.measurements], baseline)

    @property
    def total(self) -> int:
        return len(self.models) * len(self.measurements) + (1 if self.baseline else 0)

    def position(self, model: str) -> int:
        """1-based number of ``model`` among the measured models (the baseline last)."""
        if model in self.models:
            return self.models.index(model) + 1
        return len(self.models) + 1

    @property
    def model_count(self) -> int:
        return len(self.models) + (1 if self.baseline else 0)

    def left(self, done: list[tuple[str, str]]) -> float | None:
        """Estimated seconds for the steps not in ``done`` ((model, measurement) pairs): each
        measurement as long as it took on the models before; ``None`` while a remaining one
        has not run once (the first model's)."""
        steps = [(model, name) for model in self.models for name in self.measurements]
        steps += [(self.baseline, "baseline")] if self.baseline else []
        total = 0.0
        for model, name in steps:
            if (model, name) in done:
                continue
            known = self.durations.get(name)
            if not known:  # not measured once yet: no honest estimate
                return None
            total += sum(known) / len(known)
        return total


class _LiveText(ProgressColumn):
    """A column whose text is computed at every refresh (times move between updates)."""

    def __init__(self, text: Callable[[], str]):
        super().__init__()
        self.text = text

    def render(self, task: Task) -> Text:
        return Text(self.text())


class ConsoleProgress:
    """Prints one line per stage; on a terminal, a live line while a stage runs and while the
    models are measured (with a :class:`MeasurementPlan`: model i of n, the measurement, steps
    done, elapsed and time left; without one, a spinner). ``live=False`` (``--json``) keeps the
    lines and draws nothing live."""

    def __init__(self, console: Console | None = None, *, plan: MeasurementPlan | None = None, live: bool = True):
        self.console = console or Console(stderr=True)
        self.plan = plan
        self.live = live and self.console.is_terminal
        self._status: Status | None = None
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._measuring_started = 0.0
        self._step_started = 0.0
        self._done: list[tuple[str, str]] = []
        self._current: tuple[str, str] | None = None
        self._started = 0.0
        self._phase = ""
        self._phase_started = 0.0
        self._phase_done = 0.0

    def _spin(self, text: str) -> None:
        self._stop_status()
        self._started = time.perf_counter()
        if self.live:
            self._status = self.console.status(text)
            self._status.start()

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def close(self) -> None:
        """Stop whatever is drawn live (also when the run failed)."""
        self._stop_status()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

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
        self._stop_status()
        how = "[dim]from cache[/]" if record.cached else f"in {record.seconds:.1f} s"
        self.console.print(f"  [{index}/{len(run.stages)}] stage {record.name} done {how}")

    def measuring_text(self) -> str:
        """``model 2/3 01-mo: latency · 4/9 done · 12 s · ~20 s left`` (elapsed, then the time
        left once every remaining measurement has run on a model before)."""
        if self.plan is None or not self._current:
            return ""
        model, name = self._current
        now = time.perf_counter()
        text = f"model {self.plan.position(model)}/{self.plan.model_count} {model}: {name}"
        elapsed = now - self._measuring_started if self._measuring_started else 0.0
        text += f" · {len(self._done)}/{self.plan.total} done · {_seconds(elapsed)}"
        left = self.plan.left([*self._done, self._current])
        if left is not None:
            known = self.plan.durations.get(name)
            step = sum(known) / len(known) if known else None
            if step is not None:
                left += max(0.0, step - (now - self._step_started))
            text += f" · ~{_seconds(left)} left"
        return text

    @hookimpl
    def ovtune_measurement_start(self, run: RunInfo, model: str, name: str) -> None:
        self._step_started = time.perf_counter()
        self._current = (model, name)
        if not self._measuring_started:
            self._measuring_started = self._step_started
        if self.plan is None:
            self._spin(f"measuring {name} of {model} ...")
            return
        self._stop_status()
        if not self.live:
            return
        if self._progress is None:
            self._progress = Progress(
                SpinnerColumn(),
                BarColumn(bar_width=10),
                _LiveText(self.measuring_text),
                console=self.console,
                transient=True,
            )
            self._task = self._progress.add_task("measuring", total=self.plan.total)
            self._progress.start()
        assert self._task is not None
        self._progress.update(self._task, completed=len(self._done))

    @hookimpl
    def ovtune_measurement_finish(self, run: RunInfo, model: str, name: str, result: dict[str, Any]) -> None:
        self._stop_status()
        if self.plan is None:
            return
        self.plan.durations.setdefault(name, []).append(time.perf_counter() - self._step_started)
        self._done.append((model, name))
        self._current = None
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=len(self._done))
        if len(self._done) >= self.plan.total:
            self.close()

    @hookimpl
    def ovtune_pipeline_finish(self, run: RunInfo, report: dict[str, Any]) -> None:
        self.close()


class TuneProgress:
    """The live line of ``ovtune tune`` on a terminal: ``trial 5 (int8 / throughput, bf16):
    4/24 trials done, 1 min 10 s of 10 min 00 s used``. Does nothing off a terminal or with
    ``live=False`` (``--json``)."""

    def __init__(self, console: Console | None = None, *, live: bool = True):
        self.console = console or Console(stderr=True)
        self.live = live and self.console.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.trials = 0
        self.budget = 0.0
        self.began = 0.0
        self.done = 0
        self.running = ""

    def start(self, *, trials: int, budget: float, began: float | None = None, done: int = 0) -> None:
        """The search begins: ``trials`` and ``budget`` (seconds) are its budgets, ``began``
        (``time.time()``) when the session started, ``done`` the trials finished before."""
        self.trials, self.budget, self.done = trials, budget, done
        self.began = time.time() if began is None else began
        if not self.live or self._progress is not None:
            return
        self._progress = Progress(
            SpinnerColumn(),
            BarColumn(bar_width=20),
            _LiveText(self.text),
            console=self.console,
            transient=True,
        )
        self._task = self._progress.add_task("tune", total=trials, completed=done)
        self._progress.start()

    def text(self) -> str:
        used = time.time() - self.began if self.began else 0.0
        running = f"trial {self.running}: " if self.running else ""
        return f"{running}{self.done}/{self.trials} trials done, {_seconds(used)} of {_seconds(self.budget)} used"

    def _update(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self.done)

    def trial_started(self, number: int, label: str) -> None:
        self.running = f"{number} ({label})"
        self._update()

    def trial_finished(self) -> None:
        self.done += 1
        self.running = ""
        self._update()

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
