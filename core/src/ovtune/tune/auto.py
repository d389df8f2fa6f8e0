"""The search space the installed plugins propose for one model on one device.

The tuner profiles the model and the device once (:mod:`ovtune.profiling`), asks every plugin
through ``ovtune_tune_candidates``, and assembles the answers into ``[[tune.variant]]`` and
``[tune.deploy]`` entries, the same data a hand-written space is made of. Assembly is where
proposals from different plugins meet: a graph preparation that one plugin proposes (static
shapes) is put in front of the quantized and recovery variants that others propose, since an
expert quantizes the model she will deploy; values of one ``[deploy]`` key from several plugins
are merged. A proposal that is not a valid recipe is dropped with a warning naming its plugin,
so one plugin's mistake costs its own idea, not the tune.

The assembled space is printed before the search and written beside the results as
``space.toml``: a plain recipe that lists every variant with its reason and its plugin, which
the user can edit and run again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.errors import RecipeError
from ovtune.notices import warn
from ovtune.proposals import PHASES, Phase, ProposedDeploy, ProposedVariant, TuneRequest
from ovtune.recipe_sections.tune import CHOICE_KEY, DEPLOY_CHOICES, TuneSection, TuneVariant, stages_with

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.manager import PluginHost
    from ovtune.recipe import Recipe


PROPOSED_SPACE_TRIALS = 80
"""Trial budget of a proposed space when the recipe sets none: its time budget is the limit."""

HOOK = "ovtune_tune_candidates"

Say = Callable[[str], None]
"""Where the proposed space is shown, one line at a time."""


@dataclass
class ProposedSpace:
    """Variants and deploy choices, with who proposed each and why."""

    variants: list[TuneVariant] = field(default_factory=list)
    deploy: dict[str, list[Any]] = field(default_factory=dict)
    deploy_reasons: dict[str, list[str]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    """Variant name or ``deploy.KEY`` -> the plugin(s) that proposed it."""
    dropped: list[str] = field(default_factory=list)


def propose_space(
    folder: Path, recipe: Recipe, host: PluginHost, original: ov.Model, say: Say
) -> tuple[TuneSection, TuneRequest]:
    """Profile the model and the device, ask the plugins, and return the recipe's ``[tune]``
    section with the proposed space (and the request the plugins answered); the space is
    printed through ``say`` and written to ``FOLDER/space.toml``."""
    import openvino as ov

    from ovtune.measure.device import select_device
    from ovtune.recipe import build_recipe
    from ovtune.storage import atomic_write_text

    section = recipe.document.tune
    assert section is not None
    request = build_request(recipe, original, select_device(host, recipe.deploy.device, ov.Core()))

    def build(table: dict[str, Any]) -> Any:
        merged = {**{k: v for k, v in recipe.raw.items() if k != "tune"}, **table}
        return build_recipe(merged, base_dir=recipe.base_dir, registry=host.registry, file=recipe.path)

    proposed = assemble(
        section, collect(host, request), own_stages=list(recipe.raw.get("stage") or []), valid=check_proposal(build)
    )
    section = proposed_section(section, proposed)
    if "trials" not in section.model_fields_set:  # the time budget bounds a proposed space
        section = section.model_copy(update={"trials": PROPOSED_SPACE_TRIALS})
    for line in describe(proposed, request):
        say(line)
    path = folder / "space.toml"
    atomic_write_text(path, space_recipe(recipe, section, proposed))
    say(f"space: {path} (edit it and run `ovtune tune {path}`)")
    return section, request


def wants_proposals(section: TuneSection) -> bool:
    """``auto = true``, or no ``[[tune.variant]]`` and ``auto`` not set to false."""
    return bool(section.auto) if section.auto is not None else not section.variant


def objective_counts_samples(objective: str) -> bool:
    return objective.split(".", 1)[0] == "throughput"


def build_request(recipe: Recipe, original: ov.Model, device: str) -> TuneRequest:
    """The :class:`TuneRequest` for ``recipe``'s model (already loaded) on ``device``."""
    from ovtune.context import DataCatalog, describe_inputs
    from ovtune.profiling import profile_device, profile_model

    section = recipe.document.tune
    assert section is not None
    catalog = DataCatalog(recipe.data, describe_inputs(original), recipe.base_dir)
    names = tuple(recipe.data)
    calibration = "calibration" if "calibration" in names else (names[0] if names else None)
    return TuneRequest(
        model=profile_model(original, catalog),
        device=profile_device(device),
        objective=section.objective,
        throughput=objective_counts_samples(section.objective),
        data=names,
        calibration=calibration,
        metric=recipe.metric is not None,
        max_drop=section.constraints.max_drop,
        budget_seconds=float(section.budget),
    )


def collect(host: PluginHost, request: TuneRequest) -> list[tuple[str, ProposedVariant | ProposedDeploy]]:
    """Every plugin's proposals, as ``(plugin name, proposal)``; anything else is dropped with
    a warning naming the plugin."""
    proposals: list[tuple[str, ProposedVariant | ProposedDeploy]] = []
    for plugin, answers in host.collect(HOOK, request=request):
        for answer in answers:
            if isinstance(answer, ProposedVariant | ProposedDeploy):
                proposals.append((plugin, answer))
            else:
                warn(f"plugin {plugin!r}: {HOOK} returned {type(answer).__name__}, not a proposal; ignored")
    return proposals


def assemble(
    section: TuneSection,
    proposals: list[tuple[str, ProposedVariant | ProposedDeploy]],
    *,
    own_stages: list[dict[str, Any]],
    valid: Callable[[TuneVariant], str | None],
) -> ProposedSpace:
    """The space of ``section`` with ``proposals`` added.

    ``own_stages`` is the recipe's ``[[stage]]`` list (a variant of its own when the section
    lists none); ``valid`` returns why a variant is not a valid recipe, or ``None``."""
    space = ProposedSpace()
    names: set[str] = set()

    def add(variant: TuneVariant, origin: str) -> None:
        problem = valid(variant)
        if problem is not None:
            space.dropped.append(f"{variant.name} from {origin}: {problem}")
            warn(f"plugin {origin!r} proposed variant {variant.name!r}, not a valid recipe ({problem}); dropped")
            return
        space.variants.append(variant)
        space.origins[variant.name] = origin
        names.add(variant.name)

    def unique(name: str) -> str:
        candidate, number = name, 2
        while candidate in names:
            candidate, number = f"{name}-{number}", number + 1
        return candidate

    for variant in section.variant:  # the user's own, in the phase their stages suggest
        add(variant.model_copy(update={"phase": variant.phase or _phase_of(variant.stage)}), "recipe")
    if not section.variant:
        add(TuneVariant(name="original", phase="float", reason="the model as it is"), "ovtune")
        if own_stages:
            stages = copy.deepcopy(own_stages)
            add(
                TuneVariant(name="recipe", stage=stages, phase=_phase_of(stages), reason="the recipe's [[stage]] list"),
                "recipe",
            )
    variants = [(plugin, p) for plugin, p in proposals if isinstance(p, ProposedVariant)]
    prefix = next((p for _, p in variants if p.prepares), None)
    for phase in PHASES:
        for plugin, proposal in variants:
            if proposal.phase != phase:
                continue
            table = {**proposal.to_table(), "name": unique(proposal.name)}
            if phase != "float" and prefix is not None and prefix is not proposal:
                # the preparation with the first value of each of its choices: a stage that
                # calibrates on the data's samples needs the data's batch, not a searched one
                table["stage"] = _with_first_choices(prefix) + table["stage"]
                table["choices"] = _shifted(table["choices"], len(prefix.stages))
                table["reason"] = f"{table['reason']} (on the {prefix.name} model)"
            add(TuneVariant(**table), plugin)
    for plugin, deploy in proposals:
        if not isinstance(deploy, ProposedDeploy):
            continue
        _merge_deploy(space, section, plugin, deploy)
    space.deploy = {**{k: list(v) for k, v in section.deploy.items()}, **space.deploy}
    return space


def _merge_deploy(space: ProposedSpace, section: TuneSection, plugin: str, proposal: ProposedDeploy) -> None:
    """Add one plugin's values of a ``[deploy]`` key (after the values others proposed)."""
    if proposal.key not in DEPLOY_CHOICES or not proposal.values:
        warn(f"plugin {plugin!r} proposed [tune.deploy] {proposal.key!r}, which is not searchable; ignored")
        return
    if proposal.key in section.deploy:
        return  # the user's list wins
    values = space.deploy.setdefault(proposal.key, [])
    values += [v for v in proposal.values if v not in values]
    space.deploy_reasons.setdefault(proposal.key, []).append(proposal.reason)
    origin = space.origins.get(f"deploy.{proposal.key}")
    space.origins[f"deploy.{proposal.key}"] = plugin if origin is None else f"{origin}, {plugin}"


def _with_first_choices(variant: ProposedVariant) -> list[dict[str, Any]]:
    return stages_with(variant.stages, {key: values[0] for key, values in variant.choices.items() if values})


def _phase_of(stages: list[dict[str, Any]]) -> Phase:
    return "quantized" if stages else "float"


def _shifted(choices: dict[str, list[Any]], shift: int) -> dict[str, list[Any]]:
    shifted = {}
    for key, values in choices.items():
        match = CHOICE_KEY.match(key)
        if match is None:
            shifted[key] = values
            continue
        shifted[f"{int(match.group(1)) + shift}.{match.group(2)}"] = values
    return shifted


def proposed_section(section: TuneSection, space: ProposedSpace) -> TuneSection:
    """``section`` with the assembled variants and deploy choices."""
    return section.model_copy(update={"variant": space.variants, "deploy": space.deploy})


# -- showing and writing the space ---------------------------------------------------------


def describe(space: ProposedSpace, request: TuneRequest) -> list[str]:
    """The lines printed before the search: what the model and device are, and what is tried."""
    model, device = request.model, request.device
    inputs = ", ".join(f"{i.name} {i.shape_text} {i.element_type}" for i in model.inputs)
    weights = model.total_weight_bytes / 1e6
    top = ", ".join(f"{kind} {bytes_ / 1e6:.1f} MB" for kind, bytes_ in list(model.weight_bytes.items())[:3])
    lines = [
        f"model: {inputs}; {model.parameters / 1e6:.2f} M weights ({weights:.1f} MB: {top})"
        + (f"; {model.attention_blocks} attention blocks" if model.attention_blocks else "")
        + (f"; a detection head of {len(model.detection_head)} operations" if model.detection_head else ""),
        f"device: {device.name} ({device.full_name}), {device.cores} cores, "
        f"capabilities {' '.join(device.capabilities)}",
        f"proposed space ({len(space.variants)} variants):",
    ]
    for variant in space.variants:
        lines.append(f"  [{variant.phase}] {variant.name} ({space.origins.get(variant.name, '?')}): {variant.reason}")
    for key, values in space.deploy.items():
        reasons = "; ".join(space.deploy_reasons.get(key, ["the recipe's list"]))
        lines.append(f"  deploy.{key} = {values} ({space.origins.get(f'deploy.{key}', 'recipe')}): {reasons}")
    return lines


def space_recipe(recipe: Recipe, section: TuneSection, space: ProposedSpace) -> str:
    """``space.toml``: the recipe with the proposed space written out, resolved as
    ``best.toml`` is (defaults filled in, paths absolute) so that it runs from the tune
    folder, each variant with its reason and plugin."""
    import tomli_w

    from ovtune.tune.outputs import toml_ready

    table = recipe.resolved()
    table["output"] = {k: v for k, v in table["output"].items() if k != "dir"}
    tune = section.model_dump(exclude_defaults=True, exclude={"variant", "deploy", "auto"})
    tune["auto"] = False
    if "budget" in tune:
        tune["budget"] = f"{tune['budget']:g}s"
    tune["variant"] = []
    for variant in space.variants:
        entry = variant.model_dump(exclude_defaults=True)
        entry["reason"] = f"{variant.reason} [{space.origins.get(variant.name, 'recipe')}]"
        tune["variant"].append(entry)
    if space.deploy:
        tune["deploy"] = space.deploy
    text = tomli_w.dumps(toml_ready({**table, "tune": tune}))
    if space.deploy and "[tune.deploy]" in text:
        reasons = "".join(
            f"# {key}: {'; '.join(space.deploy_reasons.get(key, ['the recipe']))} "
            f"[{space.origins.get(f'deploy.{key}', 'recipe')}]\n"
            for key in space.deploy
        )
        text = text.replace("[tune.deploy]", reasons + "[tune.deploy]", 1)
    header = (
        "# The search space ovtune tune proposed for this model and device. Edit it and run\n"
        "#   ovtune tune space.toml\n"
        "# Each variant's reason says why it is tried and [which plugin] proposed it.\n\n"
    )
    return header + text


def check_proposal(build: Callable[[dict[str, Any]], Any]) -> Callable[[TuneVariant], str | None]:
    """A validity check of one variant: its stages with the first and each listed value."""

    def valid(variant: TuneVariant) -> str | None:
        chosen: list[dict[str, Any]] = [{}] + [
            {key: value} for key, values in variant.choices.items() for value in values
        ]
        try:
            for values in chosen:
                build({"stage": stages_with(variant.stage, values)})
        except ValueError as exc:
            return str(exc)
        except RecipeError as exc:
            return f"{exc.key}: {exc.reason}" if exc.key else exc.reason
        return None

    return valid
