"""The serialiser. libyaml's emitter is used when PyYAML has it (every PyYAML
wheel does); the pure-Python one is the fallback. Both must write YAML that
loads back to exactly the data given, and the same bytes for what otelgen
renders. They do differ on odd text, all of which loads back the same: characters
beyond the BMP (libyaml writes "\\U0001F600" escapes), keys with control
characters or line breaks (`? ` complex keys), and a trailing keep-chomped
block scalar (libyaml adds a `...` document end); and the pure emitter mangles
YAML 1.1 line breaks (NEL, U+2028/9) that libyaml writes correctly. Lone surrogates never reach the
emitter: the loader and --set refuse them (tests/test_bad_input.py)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, run_cli
from otelgen import yamlio

def documents(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[dict]:
    """Mappings (what otelgen dumps) of nested lists/mappings/scalars, text from ``alphabet``."""
    text = st.text(alphabet, max_size=40)
    keys = st.text(alphabet, min_size=1, max_size=12)
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text, st.sampled_from(["yes", "on", "0o17", "1e3", "${env:X}", "*", "a: b", "- x", "#c", "'q'", '"d"', "x\ny\n", "x\n\n", "\n", "tab\there", " lead", "trail ", "é✓", "\U0001F600"]))
    values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=25)
    return st.dictionaries(keys, values, max_size=5)


ANY_TEXT = st.characters(blacklist_categories=("Cs",))
# The pure-Python emitter writes YAML 1.1 line breaks (NEL \x85, \u2028, \u2029)
# plain, and they load back as spaces (a PyYAML bug libyaml does not have).
NO_UNICODE_BREAKS = st.characters(blacklist_categories=("Cs", "Zl", "Zp"), blacklist_characters="\x85")


def check_round_trip(doc: dict, dumper: type) -> None:
    out = yamlio.dump(doc, dumper)
    assert yaml.safe_load(out) == doc
    assert yamlio.dump(doc, dumper) == out  # deterministic


@pytest.mark.skipif(yamlio.DUMPER is yamlio.PURE_DUMPER, reason="PyYAML without libyaml")
@settings(max_examples=1000, derandomize=True, database=None, deadline=None)
@given(doc=documents(ANY_TEXT))
def test_libyaml_dump_loads_back_to_the_same_data(doc):
    check_round_trip(doc, yamlio.DUMPER)


@settings(max_examples=500, derandomize=True, database=None, deadline=None)
@given(doc=documents(NO_UNICODE_BREAKS))
def test_fallback_dump_loads_back_to_the_same_data(doc):
    check_round_trip(doc, yamlio.PURE_DUMPER)


def test_the_fast_emitter_is_used_where_pyyaml_has_it():
    assert (yamlio.DUMPER is not yamlio.PURE_DUMPER) == bool(getattr(yaml, "__with_libyaml__", False))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_rendered_examples_are_the_same_bytes_with_either_emitter(example):
    from otelgen import render

    objects, _ = render.render(None, [str(example)], [])
    assert "".join(yamlio.dump(o) for o in objects) == "".join(yamlio.dump(o, yamlio.PURE_DUMPER) for o in objects)
    assert run_cli("render", "-f", str(example)).out == render.write_stream(objects)


# ---- otelgen's own block emitter (yamlio._FastEmitter): PyYAML's bytes, faster ------------


def fast_or_unhandled(doc) -> str | None:
    try:
        return yamlio._FastEmitter().document(doc)
    except yamlio._Unhandled:
        return None


MIXED_KEYS = st.dictionaries(st.one_of(st.integers(), st.booleans(), st.none(), st.text(ANY_TEXT, min_size=1, max_size=8)),
                             st.one_of(st.text(ANY_TEXT, max_size=20), st.integers(), st.lists(st.integers(), max_size=3)), min_size=1, max_size=5)


@pytest.mark.skipif(yamlio.DUMPER is yamlio.PURE_DUMPER, reason="PyYAML without libyaml")
@settings(max_examples=1500, derandomize=True, database=None, deadline=None)
@given(doc=st.one_of(documents(ANY_TEXT), MIXED_KEYS, st.lists(documents(ANY_TEXT), max_size=3)))
def test_fast_emitter_writes_exactly_what_pyyaml_writes(doc):
    fast = fast_or_unhandled(doc)
    if fast is not None:
        assert fast == yamlio._pyyaml_dump(doc)
    assert yamlio.dump(doc) == yamlio._pyyaml_dump(doc)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_fast_emitter_handles_every_rendered_object(example):
    """No rendered object falls back to PyYAML's representer: the fast path is the path."""
    from otelgen import render

    objects, _ = render.render(None, [str(example)], [])
    for obj in objects:
        assert fast_or_unhandled(obj) == yamlio._pyyaml_dump(obj), obj["kind"]


def test_fast_emitter_leaves_what_it_cannot_match_to_pyyaml():
    long_words = " ".join(["word"] * 300)  # PyYAML folds it over lines at width 1000
    assert fast_or_unhandled({"k": long_words}) is None
    assert yamlio.dump({"k": long_words}) == yamlio._pyyaml_dump({"k": long_words})
    assert fast_or_unhandled({"k": ("a", "b")}) is None  # not plain data
    assert fast_or_unhandled("scalar") is None and yamlio.dump("scalar") == yamlio._pyyaml_dump("scalar")
