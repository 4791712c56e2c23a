"""Test helpers for qmframe and its plugins.

:mod:`~qmframe.testing.strategies` and :mod:`~qmframe.testing.invariants`
(Hypothesis strategies and ready-made properties) need hypothesis, in qmframe's
``test`` extra (from a clone: ``pip install ".[test]"``).
:mod:`~qmframe.testing.tables` (decision tables), :mod:`~qmframe.testing.liveness`
(rule liveness and sensitivity), :mod:`~qmframe.testing.mutate` (mutation
scores) and :mod:`~qmframe.testing.edits` do not. qmframe itself never imports
this package, and this ``__init__`` imports nothing, so the pytest plugin
(:mod:`~qmframe.testing.pytest_plugin`) stays cheap to load.
"""
