"""Test helpers for qmframe and its plugins: hypothesis strategies, invariants, a pytest plugin.

Importing :mod:`qmframe.testing.strategies` or :mod:`qmframe.testing.invariants`
needs hypothesis (``pip install ".[test]"`` in a clone of qmframe); qmframe
itself never imports this package, so hypothesis is not a run-time dependency. This ``__init__``
imports nothing, so the pytest plugin stays cheap to load.
"""
