"""otelgen.suggest: the one did-you-mean, with one cut-off, used by spec errors,
planner errors, lint findings and import errors alike."""

from __future__ import annotations

import difflib

import pytest

from otelgen import suggest
from otelgen.spec.load import _did_you_mean as spec_hint


@pytest.mark.parametrize("word, options, expected", [
    ("batchh", ["batch", "memory_limiter"], "batch"),
    ("otlp/bakend", ["otlp", "otlp/backend"], "otlp/backend"),
    ("endpont", ["endpoint", "headers"], "endpoint"),
    ("otlp/bakend", ["otlp"], None),  # ratio 0.53: below the cut-off
    ("zzz", ["batch"], None),
    ("x", [], None),
])
def test_closest(word, options, expected):
    assert suggest.closest(word, options) == expected


def test_the_cut_off_is_the_documented_one():
    assert suggest.CUTOFF == 0.6
    ratio = difflib.SequenceMatcher(None, "otlp/bakend", "otlp").ratio()
    assert 0.5 < ratio < suggest.CUTOFF  # what the old 0.5 cut-off of the planner and lint suggested


def test_formats():
    assert suggest.did_you_mean("batchh", ["batch"]) == "did you mean 'batch'?"
    assert suggest.did_you_mean("batchh", ["batch"], before="; ") == "; did you mean 'batch'?"
    assert suggest.did_you_mean("batchh", ["batch"], after=" ") == "did you mean 'batch'? "
    assert suggest.did_you_mean("zzz", ["batch"], before="; ", after=" ") == ""
    assert spec_hint("mdoe", ("mode", "spec")) == "; did you mean 'mode'?"


@pytest.mark.parametrize("module", ["plan", "lint.rules.pipelines", "lint.rules.components", "catalog", "spec.load", "importer.rawconfig"])
def test_no_other_did_you_mean(module):
    """No module keeps a did-you-mean of its own (difflib only in otelgen.suggest)."""
    import importlib
    import inspect

    source = inspect.getsource(importlib.import_module(f"otelgen.{module}"))
    assert "get_close_matches" not in source
