"""Runs a recipe: load, stages (cached), measurements, reports.

Each stage receives the current ``openvino.Model`` and a :class:`StageContext` and returns the
next model; its output is saved as IR into the stage cache and copied into the run folder
(``stages/01-NAME/model.xml``). The input model file is only ever read; every output is written
atomically; an interrupted run resumes from the cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune import __version__
from ovtune.cache import StageCache, default_cache_root, stage_key
from ovtune.content_hash import ContentHasher, content_keyed
from ovtune.context import (
    DataCatalog,
    LoadContext,
    MeasureSubject,
    RunInfo,
    StageContext,
    StageRecord,
    StageResult,
    describe_inputs,
)
from ovtune.errors import ModelLoadError, OvtuneError, StageError, runtime_reason
from ovtune.faults import call
from ovtune.figures import FigureCatalog
from ovtune.libraries import library_versions
from ovtune.model_hash import hash_model
from ovtune.notices import warn
from ovtune.report.model import REPORT_SCHEMA_VERSION, RunReport
from ovtune.run_folder import RunFolder, private_name
from ovtune.storage import atomic_directory, hash_files, model_files
from ovtune.types import implementation

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.manager import PluginHost
    from ovtune.recipe import Recipe, StageSpec

log = logging.getLogger("ovtune.pipeline")


def default_run_dir(recipe: Recipe) -> Path:
    return recipe.output.dir or recipe.base_dir / "runs" / recipe.name


class Pipeline:
    """One run of one recipe."""

    def __init__(
        self,
        recipe: Recipe,
        host: PluginHost,
        *,
        run_dir: Path | None = None,
        use_cache: bool | None = None,
        cache_root: Path | None = None,
        reshape: str | dict[str, str] | None = None,
        force: bool = False,
    ):
        self.recipe = recipe
        self.host = host
        self.run_dir = (run_dir or default_run_dir(recipe)).resolve()
        self.use_cache = recipe.output.cache if use_cache is None else use_cache
        self.cache = StageCache(
            cache_root or recipe.output.cache_dir or default_cache_root(), origin=_cache_origin(cache_root, recipe)
        )
        self.force = force
        """Write into a non-empty folder that is not an ovtune run folder (``--force``)."""
        self.hasher = ContentHasher(self.cache.root if self.use_cache else None)
        self._data_key: dict[str, Any] | None = None
        self.reshape = reshape
        self.copy_stage_outputs = True
        """Copy each stage's output into the run folder (``ovtune tune`` points at the cache instead)."""
        self.deadline: float | None = None
        """When stages should be done (``time.time()``): ``ovtune tune``'s budget, given to
        each stage as ``StageContext.deadline``."""
        self.shares_machine = False
        """Stages run beside other work (a build an executor runs side by side): given to each
        stage as ``StageContext.shares_machine``, so that none times anything."""
        self.cut_short_entries: dict[str, str] = {}
        """Stage key -> the key its cut-short output was cached under. A tune shares one map
        across its trials, so a stage stopped at the deadline is reused within that tune (its
        deadline is the same), never by a later run."""
        self.info = RunInfo(recipe.name, recipe.path, self.run_dir, tuple(s.name for s in recipe.stages))

    # -- loading -----------------------------------------------------------------------

    def load_original(self) -> ov.Model:
        """Read the recipe's model; a load error names the recipe file and ``model.source``."""
        try:
            context = LoadContext(self.recipe.base_dir, self.recipe.data)
            model = call(self.recipe.model.loader, "load", self.recipe.model.source, self.recipe.model.options, context)
        except ModelLoadError as exc:
            where = f"{self.recipe.path}: model.source" if self.recipe.path else "model.source"
            raise ModelLoadError(f"{where}: {exc}") from exc
        if self.reshape:
            try:
                model.reshape(self.reshape)
            except RuntimeError as exc:
                raise ModelLoadError(f"cannot reshape the model to {self.reshape}: {runtime_reason(exc)}") from None
        return model

    def source_files(self) -> list[Path]:
        source = self.recipe.model.source
        return model_files(source) if isinstance(source, Path) else []

    # -- running -----------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """Claim the run folder (marker and lock), then run everything into it."""
        with RunFolder(self.run_dir, force=self.force, option=self._folder_option()):
            return self._run()

    def _folder_option(self) -> str:
        if self.recipe.output.dir is not None and self.run_dir == self.recipe.output.dir.resolve():
            return f"{self.recipe.path or 'recipe'}: output.dir"
        return "--out"

    def _run(self) -> dict[str, Any]:
        started = dt.datetime.now(dt.timezone.utc)
        if self.use_cache:
            self.cache.check_usable()
        original = self.load_original()
        catalog = DataCatalog(self.recipe.data, describe_inputs(original), self.recipe.base_dir)
        self.host.notify("ovtune_pipeline_start", run=self.info)
        files = self.source_files()
        records = self.run_stages(original, catalog)
        del original
        subjects = [MeasureSubject("original", None, files, loader=self.load_original, reshape=self.reshape)]
        subjects += [MeasureSubject(r.label, Path(r.model_path), model_files(Path(r.model_path))) for r in records]
        from ovtune.measure.engine import measure_models

        measured = measure_models(subjects, self.recipe, self.host, catalog, self.info)
        report = {
            "schema_version": REPORT_SCHEMA_VERSION,
            "ovtune_version": __version__,
            "name": self.recipe.name,
            "recipe_path": str(self.recipe.path) if self.recipe.path else None,
            "run_dir": str(self.run_dir),
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "recipe": self.recipe.resolved(),
            "model": {
                "source": str(self.recipe.model.source),
                "hash": hash_files(files) if files else None,
                "inputs": [vars(spec) for spec in catalog.model_inputs],
            },
            "environment": environment(self.host, self.recipe),
            "stages": [record.to_json() for record in records],
            "figures": FigureCatalog.from_measurements(m.item for m in self.recipe.measurements).to_json(),
            **measured,
        }
        _check_schema(report)
        self._write_reports(report)
        self.host.notify("ovtune_pipeline_finish", run=self.info, report=report)
        return report

    def run_stages(self, original: ov.Model, catalog: DataCatalog) -> list[StageRecord]:
        """Run (or take from the cache) every stage, in order; returns their records."""
        files = self.source_files()
        current_hash = hash_files(files) if files else hash_model(original)
        current: ov.Model | None = original
        current_path: Path | None = None
        records: list[StageRecord] = []
        for spec in self.recipe.stages:
            record, current_path, current_hash = self._run_stage(spec, current, current_path, current_hash, catalog)
            current = None
            records.append(record)
        self.hasher.save()
        return records

    def data_key(self, catalog: DataCatalog) -> dict[str, Any]:
        """The data part of every stage's cache key (content hashes), computed once per run."""
        if self._data_key is None:
            self._data_key = catalog.fingerprint(self.hasher)
        return self._data_key

    def _run_stage(
        self, spec: StageSpec, model: ov.Model | None, model_path: Path | None, input_hash: str, catalog: DataCatalog
    ) -> tuple[StageRecord, Path, str]:
        options = spec.options.model_dump(mode="json")
        self.host.notify("ovtune_stage_start", run=self.info, index=spec.index, name=spec.name, options=options)
        plugin = spec.stage.plugin
        key = stage_key(
            input_hash=input_hash,
            stage=spec.name,
            options=content_keyed(spec.options.model_dump(), self.hasher),
            plugin_version=plugin.version,
            data=self.data_key(catalog),
            libraries=library_versions(self.recipe.stage_libraries(spec)),
        )
        entry = self.cache.lookup(self.cut_short_entries.get(key, key)) if self.use_cache else None
        if entry is not None:
            record = StageRecord.from_json({**entry.record, "cached": True, "index": spec.index})
        else:
            if model is None:
                import openvino as ov

                model = ov.Core().read_model(str(model_path))
            result, seconds = self.execute_stage(spec, model, catalog)
            if result.details.get("cut_short"):  # not the stage's full result: never reused as one
                full_key, key = key, hashlib.sha256(f"{key}:cut-short:{time.time_ns()}".encode()).hexdigest()
                self.cut_short_entries[full_key] = key
            record = StageRecord(
                index=spec.index,
                name=spec.name,
                options=options,
                cache_key=key,
                model_path="",
                seconds=seconds,
                cached=False,
                plugin=plugin.label,
                notes=result.notes,
                details=result.details,
            )
            entry = self.cache.store(key, result.model, record.to_json())
        output_hash = entry.output_hash
        output = entry.model_path
        if self.copy_stage_outputs:
            target = self.run_dir / "stages" / spec.label
            with atomic_directory(target) as temporary:
                for path in model_files(entry.model_path):
                    shutil.copyfile(path, temporary / path.name)
            output = target / entry.model_path.name
        record.model_path = str(output)
        record.details = {**record.details, "output_hash": output_hash}
        self.host.notify("ovtune_stage_finish", run=self.info, index=spec.index, record=record)
        return record, output, output_hash

    def execute_stage(self, spec: StageSpec, model: ov.Model, catalog: DataCatalog) -> tuple[StageResult, float]:
        """Run one stage on ``model`` as a run does, without the stage cache or the run folder's
        copy: its scratch folder, its context, one error naming the stage, the result checked
        to hold an ``openvino.Model``. Returns the result and the seconds it took. Public for
        the conformance kit, which checks what a stage does to its input and output."""
        import openvino as ov

        work_root = self.run_dir / "work"
        work_dir = work_root / private_name(spec.label)
        work_dir.mkdir(parents=True, exist_ok=True)
        context = StageContext(
            recipe=self.recipe,
            index=spec.index,
            name=spec.name,
            data=catalog,
            deploy=self.recipe.deploy,
            work_dir=work_dir,
            log=logging.getLogger(f"ovtune.stage.{spec.name}"),
            registry=self.host.registry,
            on_progress=lambda done, total, message: self.host.notify(
                "ovtune_stage_progress", run=self.info, index=spec.index, done=done, total=total, message=message
            ),
            deadline=self.deadline,
            shares_machine=self.shares_machine,
        )
        started = time.perf_counter()
        try:
            result = call(spec.stage, "run", model, spec.options, context)
        except OvtuneError as exc:
            if isinstance(exc, StageError) and exc.stage:
                raise
            raise StageError(str(exc), stage=f"{spec.name!r} at {spec.key}") from exc
        seconds = time.perf_counter() - started
        if isinstance(result, ov.Model):
            result = StageResult(result)
        if not isinstance(result, StageResult) or not isinstance(result.model, ov.Model):
            raise TypeError(
                f"stage {spec.name!r} returned {type(result).__name__}, expected openvino.Model or StageResult"
            )
        if context.cut_short_reason:
            result.details = {**result.details, "cut_short": context.cut_short_reason}
            result.notes = [*result.notes, f"stopped early for the deadline: {context.cut_short_reason}"]
        shutil.rmtree(work_dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            work_root.rmdir()  # only when empty: another process may still use its own scratch
        return result, seconds

    def _write_reports(self, report: dict[str, Any]) -> None:
        """Run the reporters; those that write the report document run last, so that it lists
        every file written (``report["files"]``), theirs included."""
        from ovtune.report.console import make_console

        console = make_console()
        report["files"] = []
        for provided in sorted(self.recipe.reporters, key=lambda provided: provided.item.document):
            written = implementation(provided.item, "write")(report, self.run_dir, console) or []
            report["files"] = [*report["files"], *(str(path) for path in written)]


def _check_schema(report: dict[str, Any]) -> None:
    """Check the report against its published schema before anyone reads it. A mismatch is
    ovtune's own bug: it is said in one warning, and the reports are still written, so a run's
    figures are never lost to it."""
    from pydantic import ValidationError

    try:
        RunReport.model_validate(report)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        warn(f"report.json does not match docs/report.schema.json at {where}: {first['msg']} (an ovtune bug)")


def _cache_origin(cache_root: Path | None, recipe: Recipe) -> str:
    """Where the cache folder was configured, for error messages."""
    if cache_root is not None:
        return "the stage cache"
    if recipe.output.cache_dir is not None:
        return f"{recipe.path or 'recipe'}: output.cache_dir"
    return "$OVTUNE_CACHE_DIR" if "OVTUNE_CACHE_DIR" in os.environ else "the stage cache"


def environment(host: PluginHost, recipe: Recipe) -> dict[str, Any]:
    """Versions, CPU and plugins: what a reader needs to reproduce the figures."""
    from ovtune.measure.system import describe

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        **describe(),
        "libraries": library_versions(recipe.libraries()),
        "plugins": {name: info.label for name, info in host.plugins.items()},
    }
