"""A recipe project whose stages are small Python functions beside the recipe (real graph
changes, a counter, a stage that sleeps until killed), shared by the pipeline tests."""

from __future__ import annotations

from pathlib import Path

from ovtune.testing import RecipeProject

STAGES_MODULE = '''
import os
import time

import numpy as np
import openvino as ov
from openvino.preprocess import PrePostProcessor


def scale_input(model, context, factor=1.0):
    """Fold a multiplication of the input into the model (a real graph change)."""
    ppp = PrePostProcessor(model)
    ppp.input().preprocess().scale(1.0 / factor)
    return ppp.build()


def slow_identity(model, context, marker=""):
    """Sleeps for $SLOW_STAGE_SECONDS: not an option, so the cache key does not change."""
    if marker:
        open(marker, "w").close()
    time.sleep(float(os.environ.get("SLOW_STAGE_SECONDS", "0")))
    return model


def counting(model, context, counter=""):
    with open(counter, "a") as stream:
        stream.write("x")
    return model
'''

TWO_STAGES = """
[[stage]]
use = "python"
function = "stages:scale_input"
args = {{ factor = 2.0 }}

[[stage]]
use = "python"
function = "stages:counting"
args = {{ counter = "{counter}" }}
"""


SLOW_SECOND_STAGE = """
[[stage]]
use = "python"
function = "stages:scale_input"
args = {{ factor = 2.0 }}

[[stage]]
use = "python"
function = "stages:slow_identity"
args = {{ marker = "{marker}" }}
"""
"""A real graph change, then a stage that waits (to be killed) once it has written ``marker``."""


def stage_project(project: RecipeProject, stages: str) -> Path:
    (project.root / "stages.py").write_text(STAGES_MODULE)
    return project.demo_recipe(stages=stages)
