"""A phase's models built ahead of its trials, side by side, by a parallel executor.

A tune spends most of its time on builds when quantization is in the space (statistics,
accuracy control), and builds do not need a quiet machine: only measurements do. So when the
executor can run builds in parallel (ovtune-ray), each phase of the search first hands the
models it is likely to try (its defaults first, then the other stage choices, up to the
phase's share of the trial budget) to the executor as build jobs, waits for them, and only then
measures, one trial at a time, on the machine it owns (:meth:`~ovtune.jobs.Executor.hold`). The
trials find their stages in the cache. A model the sampler asks for later, or a build that
failed, is built by the trial itself, as without an executor.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.jobs import Executor, Job
from ovtune.tune.space import Config, SearchSpace

if TYPE_CHECKING:
    from ovtune.tune.trials import TrialRunner


def phase_models(sub: SearchSpace, objective_hint: str, limit: int) -> list[Config]:
    """Up to ``limit`` configurations of ``sub`` with distinct models (variant and stage
    choices; the runtime settings do not change a model): the defaults first, as the search
    tries them first, then every other combination of stage choices in order."""
    defaults = sub.defaults(objective_hint)
    deploy = defaults[0].deploy if defaults else ()
    found: dict[str, Config] = {}
    candidates = list(defaults)
    for variant in sub.variants:
        if not variant.stage:
            continue
        keys = sorted(variant.choices)
        for indices in itertools.product(*(range(len(variant.choices[key])) for key in keys)):
            candidates.append(Config(variant.name, tuple(zip(keys, indices, strict=True)), deploy))
    for config in candidates:
        if not sub.variant(config.variant).stage:
            continue  # nothing to build: the original model
        key = json.dumps([config.variant, list(config.choices)])
        if key not in found:
            found[key] = config
        if len(found) >= limit:
            break
    return list(found.values())


def prebuild(
    sub: SearchSpace,
    runner: TrialRunner,
    executor: Executor,
    *,
    objective_hint: str,
    limit: int,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Build a phase's likely models on ``executor``; returns what was built, for the tune's
    report (``phases[].prebuilt``)."""
    from ovtune.cache import StageCache, default_cache_root

    configs = phase_models(sub, objective_hint, limit)
    if not configs:
        return {"models": 0}
    jobs = []
    for config in configs:
        recipe = runner.recipe(config, ["size"])
        jobs.append(
            Job(
                id=sub.variant_label(config),
                kind="build",
                recipe=recipe.resolved(),
                recipe_path=str(runner.recipe_path),
                plugin_args=runner.host.arguments,
                deadline=runner.deadline,
            )
        )
    started = time.perf_counter()
    say(f"  building {len(jobs)} model(s) of this phase in parallel ({executor.name} executor)")
    results = executor.build(jobs)
    seconds = time.perf_counter() - started
    cache_dir = (jobs[0].recipe.get("output") or {}).get("cache_dir")
    cache = StageCache(Path(cache_dir) if cache_dir else default_cache_root())
    for result in results:
        runner.cut_short_entries.update(result.cut_short)
        for key, files in result.cache_entries.items():
            cache.import_entry(key, files)  # a build on a node that does not share this cache
    failed = [r for r in results if r.state != "complete"]
    nodes = sorted({r.node.id for r in results})
    line = f"  built {len(results) - len(failed)} model(s) in {seconds:.1f} s on {len(nodes)} node(s)"
    if failed:
        line += f"; {len(failed)} failed (their trials build them again): {failed[0].job_id}: {failed[0].error}"
    say(line)
    return {
        "models": len(jobs),
        "built": len(results) - len(failed),
        "failed": len(failed),
        "seconds": seconds,
        "build_seconds": sum(r.seconds for r in results),
        "nodes": nodes,
    }
