"""What ovtune writes and reuses can be trusted: run folders stay confined and owned, cache
entries and locks are verified, data is keyed by content, outputs hash the same after a kill,
concurrent runs never share a folder, and every fault of the output location is one line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from python_stages import SLOW_SECOND_STAGE, TWO_STAGES, stage_project

from ovtune.run_folder import MARKER, RunFolder
from ovtune.storage import atomic_write_text, clean_stale_temporaries
from ovtune.testing import RecipeProject, error_lines, run_cli


def _counted(project: RecipeProject) -> tuple[Path, Path]:
    counter = project.root / "counter.txt"
    return stage_project(project, TWO_STAGES.format(counter=counter)), counter


def _one_error(result: object, *needles: str) -> str:
    stderr = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == 2, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _stage_hashes(report: dict) -> list[str]:
    return [stage["details"]["output_hash"] for stage in report["stages"]]


# -- 1. path confinement -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../escaped", "ABSOLUTE", "a/b", "..", "tab\there", "x" * 300])
def test_recipe_name_is_one_safe_folder_name(ovtune_project: RecipeProject, name: str) -> None:
    absolute = ovtune_project.root.parent / "absolute-escape"
    name = str(absolute) if name == "ABSOLUTE" else name
    recipe = ovtune_project.demo_recipe()
    recipe.write_text(recipe.read_text().replace('name = "test"', f"name = {json.dumps(name)}"))
    before = set(ovtune_project.root.parent.iterdir())
    _one_error(run_cli("run", str(recipe)), "name")
    assert set(ovtune_project.root.parent.iterdir()) == before
    assert not absolute.exists()


def test_default_name_from_an_odd_file_name_is_slugged(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe()
    odd = recipe.with_name("digits: v2.toml")
    odd.write_text(recipe.read_text().replace('name = "test"\n', ""))
    result = run_cli("validate", str(odd))
    assert result.exit_code == 0, result.stderr


def test_a_foreign_folder_is_refused_unless_forced(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(measure='metrics = ["size"]')
    foreign = ovtune_project.root / "mine"
    (foreign / "stages" / "01-python").mkdir(parents=True)
    precious = foreign / "stages" / "01-python" / "important.txt"
    precious.write_text("keep me")
    (foreign / "report.json").write_text('{"mine": true}')
    _one_error(run_cli("run", str(recipe), "--out", str(foreign)), str(foreign), "--force")
    assert (foreign / "report.json").read_text() == '{"mine": true}'
    assert not (foreign / MARKER).exists()
    forced = run_cli("run", str(recipe), "--out", str(foreign), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert precious.read_text() == "keep me"
    assert (foreign / MARKER).is_file()
    again = run_cli("run", str(recipe), "--out", str(foreign))  # now marked: ours
    assert again.exit_code == 0, again.stderr


# -- 2. verified cache -------------------------------------------------------------------------


def _cache_entries(root: Path) -> list[Path]:
    return sorted(path.parent for path in (root / "stages").glob("*/*/manifest.json"))


@pytest.mark.parametrize("damage", ["swap-weights", "truncate-xml", "drop-manifest", "garble-record"])
def test_a_damaged_cache_entry_is_recomputed_with_a_warning(ovtune_project: RecipeProject, damage: str) -> None:
    recipe, counter = _counted(ovtune_project)
    clean = run_cli("run", str(recipe))
    assert clean.exit_code == 0, clean.stderr
    hashes = _stage_hashes(ovtune_project.report("test"))
    entries = _cache_entries(ovtune_project.root / "cache")
    assert len(entries) == 2
    first = next(e for e in entries if json.loads((e / "record.json").read_text())["index"] == 1)
    weights = first / "model.bin"
    if damage == "swap-weights":  # another model's weights of the same size
        data = bytearray(weights.read_bytes())
        data[:64] = bytes(reversed(data[:64]))
        weights.write_bytes(bytes(data))
    elif damage == "truncate-xml":
        (first / "model.xml").write_text("<net")
    elif damage == "drop-manifest":
        (first / "manifest.json").unlink()
    else:
        (first / "record.json").write_text("{not json")
    rerun = run_cli("run", str(recipe))
    assert rerun.exit_code == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    warnings = [line for line in rerun.stderr.splitlines() if line.startswith("warning:") and "damaged" in line]
    assert len(warnings) == 1, rerun.stderr
    report = ovtune_project.report("test")
    assert [s["cached"] for s in report["stages"]] == [False, True]
    assert _stage_hashes(report) == hashes
    assert counter.read_text() == "x"  # the second stage's input is the same model: still cached
    third = run_cli("run", str(recipe))  # the entry was replaced by a good one
    assert [s["cached"] for s in ovtune_project.report("test")["stages"]] == [True, True]
    assert "warning:" not in third.stderr


def test_cache_entries_are_readable_by_the_group_and_others(ovtune_project: RecipeProject) -> None:
    """mkdtemp makes 0700 folders; after the rename they must follow the umask like mkdir."""
    recipe, _ = _counted(ovtune_project)
    previous = os.umask(0o022)
    try:
        assert run_cli("run", str(recipe)).exit_code == 0
    finally:
        os.umask(previous)
    stage_folder = ovtune_project.root / "runs" / "test" / "stages" / "01-python"
    for folder in [stage_folder, *_cache_entries(ovtune_project.root / "cache")]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755, folder
    assert stat.S_IMODE((stage_folder / "model.xml").stat().st_mode) == 0o644


# -- 3. content-keyed data ----------------------------------------------------------------------


def _npz_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as archive:
        return {name: archive[name].copy() for name in archive.files}


def _store_uncompressed(path: Path) -> None:
    """Rewrite an npz file uncompressed: its size then depends on shapes only, not values."""
    arrays = _npz_arrays(path)
    with path.open("wb") as stream:
        np.savez(stream, **arrays)


def _rewrite_same_size_and_time(path: Path) -> None:
    """Change one label of an uncompressed npz file, keeping its size and modification time."""
    info = path.stat()
    arrays = _npz_arrays(path)
    labels = next(name for name, array in arrays.items() if array.ndim == 1)
    arrays[labels][0] = (arrays[labels][0] + 1) % 10
    with path.open("wb") as stream:
        np.savez(stream, **arrays)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns


def test_data_changed_with_the_same_size_and_time_is_a_cache_miss(ovtune_project: RecipeProject) -> None:
    recipe, counter = _counted(ovtune_project)
    _store_uncompressed(ovtune_project.root / "digits_val.npz")
    assert run_cli("run", str(recipe)).exit_code == 0
    _rewrite_same_size_and_time(ovtune_project.root / "digits_val.npz")
    rerun = run_cli("run", str(recipe))
    assert rerun.exit_code == 0, rerun.stderr
    assert [s["cached"] for s in ovtune_project.report("test")["stages"]] == [False, False]
    assert counter.read_text() == "xx"


def test_identical_data_in_another_folder_hits_the_cache(ovtune_project: RecipeProject) -> None:
    recipe, counter = _counted(ovtune_project)
    assert run_cli("run", str(recipe)).exit_code == 0
    clone = ovtune_project.root / "clone"
    clone.mkdir()
    for name in ("digits_cnn.onnx", "digits_val.npz", "stages.py"):
        shutil.copy(ovtune_project.root / name, clone / name)  # new paths, new times, same content
    shared_cache = (ovtune_project.root / "cache").as_posix()
    text = recipe.read_text().replace('cache_dir = "cache"', f'cache_dir = "{shared_cache}"')
    (clone / "recipe.toml").write_text(text)
    result = run_cli("run", str(clone / "recipe.toml"))
    assert result.exit_code == 0, result.stderr
    report = json.loads((clone / "runs" / "test" / "report.json").read_text())
    assert [s["cached"] for s in report["stages"]] == [True, True]
    assert counter.read_text() == "x"


# -- 4. locks that lock ---------------------------------------------------------------------------


def test_run_lock_refuses_a_changed_source_model(ovtune_project: RecipeProject) -> None:
    recipe, _ = _counted(ovtune_project)
    assert run_cli("run", str(recipe)).exit_code == 0
    lock = ovtune_project.root / "runs" / "test" / "run.lock.toml"
    locked_hash = json.loads((ovtune_project.root / "runs" / "test" / "report.json").read_text())["model"]["hash"]
    source = ovtune_project.root / "digits_cnn.onnx"
    source.write_bytes(source.read_bytes() + b"\0")
    line = _one_error(run_cli("run", "--lock", str(lock), "--out", str(ovtune_project.root / "replay")))
    assert "model.source" in line and str(source) in line and locked_hash in line, line
    assert "--allow-changed" in line
    assert not (ovtune_project.root / "replay" / "report.json").exists()


def test_run_lock_refuses_changed_data_unless_allowed(ovtune_project: RecipeProject) -> None:
    recipe, _ = _counted(ovtune_project)
    _store_uncompressed(ovtune_project.root / "digits_val.npz")
    assert run_cli("run", str(recipe)).exit_code == 0
    lock = ovtune_project.root / "runs" / "test" / "run.lock.toml"
    replay = run_cli("run", "--lock", str(lock), "--out", str(ovtune_project.root / "same"))
    assert replay.exit_code == 0, replay.stderr
    assert "warning" not in replay.stderr
    _rewrite_same_size_and_time(ovtune_project.root / "digits_val.npz")
    _one_error(run_cli("run", "--lock", str(lock)), "data.validation.path", "digits_val.npz")
    allowed = run_cli("run", "--lock", str(lock), "--allow-changed", "--out", str(ovtune_project.root / "changed"))
    assert allowed.exit_code == 0, allowed.stderr
    assert any("data.validation.path" in line for line in allowed.stderr.splitlines() if line.startswith("warning:"))


def test_run_lock_refuses_a_different_package_version(ovtune_project: RecipeProject) -> None:
    recipe, _ = _counted(ovtune_project)
    assert run_cli("run", str(recipe)).exit_code == 0
    lock = ovtune_project.root / "runs" / "test" / "run.lock.toml"
    text = lock.read_text()
    import openvino

    version = openvino.__version__.split("-")[0]
    changed = text.replace(f'openvino = "{version}', 'openvino = "1999.0.0')
    assert changed != text
    lock.write_text(changed)
    _one_error(run_cli("run", "--lock", str(lock)), "package openvino: locked 1999.0.0")


# -- 5. stable outputs after a kill --------------------------------------------------------------


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_kill_and_resume_gives_the_outputs_of_an_uninterrupted_run(ovtune_project: RecipeProject) -> None:
    """The quantization runs in a fresh process after the kill, where OpenVINO's name counters
    differ from those of a process that ran everything: the output hashes must not."""
    marker = ovtune_project.root / "slow-stage-started"
    calibration = '[data.calibration]\nkind = "npz"\npath = "digits_calib.npz"\nlimit = 32\n'
    stages = (
        calibration
        + SLOW_SECOND_STAGE.format(marker=marker)
        + """
[[stage]]
use = "pot.default"
subset_size = 32
"""
    )
    recipe = stage_project(ovtune_project, stages)
    env = {**os.environ, "SLOW_STAGE_SECONDS": "600"}
    killed = subprocess.Popen([sys.executable, "-m", "ovtune", "run", str(recipe)], env=env, stderr=subprocess.PIPE)
    _wait_for(marker, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    resumed = run_cli("run", str(recipe))
    assert resumed.exit_code == 0, resumed.stderr
    resumed_report = ovtune_project.report("test")
    assert [s["cached"] for s in resumed_report["stages"]] == [True, False, False]
    fresh_dir = ovtune_project.root / "fresh"
    fresh = subprocess.run(
        [sys.executable, "-m", "ovtune", "run", str(recipe), "--no-cache", "--out", str(fresh_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fresh.returncode == 0, fresh.stderr
    fresh_report = json.loads((fresh_dir / "report.json").read_text())
    assert _stage_hashes(resumed_report) == _stage_hashes(fresh_report)


# -- 6. concurrency ---------------------------------------------------------------------------------


def test_concurrent_runs_into_one_folder_never_crash(ovtune_project: RecipeProject) -> None:
    recipe, _ = _counted(ovtune_project)
    out = ovtune_project.root / "shared"
    for round_number in range(3):
        command = [sys.executable, "-m", "ovtune", "run", str(recipe), "--out", str(out), "--no-cache"]
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        results = [(p.wait(), p.communicate()[1].decode()) for p in processes]
        codes = sorted(code for code, _ in results)
        assert all("Traceback" not in stderr for _, stderr in results), results
        assert codes in ([0, 0], [0, 2]), (round_number, results)
        for code, stderr in results:
            if code == 2:
                (line,) = error_lines(stderr)
                assert "another ovtune run is writing into this folder (pid " in line, line
        assert (out / "report.json").is_file()


def test_a_second_tune_into_a_busy_folder_names_the_first_pid(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(extra="", stages='[tune]\nobjective = "latency"\ntrials = 2\n')
    folder = ovtune_project.root / "tuned"
    with RunFolder(folder, kind="tune"):
        result = run_cli("tune", str(recipe), "--out", str(folder))
    _one_error(result, f"pid {os.getpid()}", "another ovtune tune")


def test_stage_scratch_is_private_to_a_process(ovtune_project: RecipeProject) -> None:
    scratch = ovtune_project.root / "scratch.txt"
    (ovtune_project.root / "peek.py").write_text(
        f"def peek(model, context):\n    open({str(scratch)!r}, 'w').write(str(context.work_dir))\n    return model\n"
    )
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "python"\nfunction = "peek:peek"\n')
    assert run_cli("run", str(recipe)).exit_code == 0
    work_dir = Path(scratch.read_text())
    assert work_dir.name.endswith(f"-{os.getpid()}") and work_dir.name.startswith("01-python.")
    assert not work_dir.parent.exists()  # scratch removed once the stage is done


# -- 10. one line for every fault of the output location --------------------------------------------


def test_out_that_is_a_file_is_one_line(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe()
    target = ovtune_project.root / "a-file"
    target.write_text("x")
    _one_error(run_cli("run", str(recipe), "--out", str(target)), "is a file, not a folder")
    _one_error(run_cli("run", str(recipe), "--out", str(target / "below")), "is a file, not a folder")
    assert target.read_text() == "x"


def test_out_that_cannot_be_written_is_one_line(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe()
    _one_error(run_cli("run", str(recipe), "--out", "/sys/fs/ovtune-run"), "--out", "permission denied")
    _one_error(run_cli("run", str(recipe), "--out", str(ovtune_project.root / ("n" * 300))), "too long")


def test_cache_dir_that_is_a_file_is_one_line(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe()
    (ovtune_project.root / "cache").write_text("not a folder")
    _one_error(run_cli("run", str(recipe)), "output.cache_dir", "is a file, not a folder")


def _interruptible() -> None:
    """A job started in the background inherits SIGINT ignored, and Python then installs no
    KeyboardInterrupt handler: give the child the default, as a terminal would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_prints_the_resume_hint(ovtune_project: RecipeProject) -> None:
    marker = ovtune_project.root / "started"
    slow = f'[[stage]]\nuse = "python"\nfunction = "stages:slow_identity"\nargs = {{ marker = "{marker}" }}\n'
    recipe = stage_project(ovtune_project, slow)
    env = {**os.environ, "SLOW_STAGE_SECONDS": "600"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ovtune", "run", str(recipe)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,  # noqa: PLW1509 - only resets a signal disposition
    )
    _wait_for(marker, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "run the same command again to resume" in stderr
    assert "Traceback" not in stderr


# -- 11. leftovers of killed writers ------------------------------------------------------------------


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_temporaries_of_dead_writers_are_cleaned(tmp_path: Path) -> None:
    host = "".join(c if c.isalnum() or c == "_" else "_" for c in socket.gethostname())[:32]
    dead = tmp_path / f".report.json.{host}-{_dead_pid()}.abc123.tmp"
    dead.write_text("half")
    dead_folder = tmp_path / f".01-mo.{host}-{_dead_pid()}.xyz.tmp"
    dead_folder.mkdir()
    alive = tmp_path / f".report.json.{host}-{os.getppid()}.def456.tmp"
    alive.write_text("in progress")
    recent_elsewhere = tmp_path / ".report.json.otherhost-1.ghi789.tmp"
    recent_elsewhere.write_text("another machine")
    atomic_write_text(tmp_path / "report.json", "{}")
    assert not dead.exists() and not dead_folder.exists()
    assert alive.exists() and recent_elsewhere.exists()
    old = time.time() - 2 * 24 * 3600
    os.utime(recent_elsewhere, (old, old))
    assert clean_stale_temporaries(tmp_path) == [recent_elsewhere]
