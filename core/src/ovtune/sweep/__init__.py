"""``ovtune sweep``: a matrix of models and recipes run as jobs by an executor, resumed from its
journal, reported as one table across models (:mod:`ovtune.report.sweep`).

:mod:`ovtune.sweep.document` reads the sweep file, :mod:`ovtune.sweep.matrix` makes each job's
recipe, :mod:`ovtune.sweep.session` runs them.
"""
