"""Measurement support for plugins: measuring the way ovtune measures, so figures compare.

Part of the plugin API (:mod:`ovtune.plugin`), kept apart because it imports NumPy: a plugin
imports it from the module that runs (a baseline's ``run``, a stage's ``run``), never from its
registration module.

- Framework baselines: a :class:`FrameworkRunner` says how to feed, run and read one framework;
  :func:`measure_framework` times and scores it with ovtune's own inputs, harness, size rule and
  metric code, and :func:`framework_notes` says what was reproduced and how.
- Stages that steer by accuracy: :class:`Evaluator` scores compiled models with the recipe's
  metric on chosen samples, against the original model's outputs computed once.
- What ran: :func:`runtime_precision` reads the precision each layer executed in from a compiled
  model (the proof that an INT8 model runs INT8 kernels).
- The pieces :func:`measure_framework` is made of, for a baseline or stage that times or scores
  on its own: :func:`timing_inputs` (the input sets every timing of a run uses),
  :func:`prepare_inputs` (input sets from a dataset, else random data of the model's shapes),
  :class:`TimingSettings`, :func:`sync_latency` and :func:`threaded_throughput` (ovtune's
  timing harness) and :func:`score_outputs` (the recipe's metric over outputs).
"""

from __future__ import annotations

from ovtune.measure.accuracy import score_outputs
from ovtune.measure.evaluation import Evaluator
from ovtune.measure.framework import REPRODUCED, FrameworkRunner, framework_notes, measure_framework
from ovtune.measure.harness import TimingSettings, sync_latency, threaded_throughput
from ovtune.measure.inputs import PreparedInputs, prepare_inputs, timing_inputs
from ovtune.measure.precision import runtime_precision

__all__ = [
    "REPRODUCED",
    "Evaluator",
    "FrameworkRunner",
    "PreparedInputs",
    "TimingSettings",
    "framework_notes",
    "measure_framework",
    "prepare_inputs",
    "runtime_precision",
    "score_outputs",
    "sync_latency",
    "threaded_throughput",
    "timing_inputs",
]
