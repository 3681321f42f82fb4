"""Order-independent output (issue 11): the same spec with its mapping keys in
any order, at every depth, renders byte-identical objects, so reordering a
spec never changes the config checksum (which would roll every pod). Lists
keep their order: a pipeline's processors run in list order, and moving them
must change the output."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, run_cli
from strategies import deployments

SETTINGS = settings(max_examples=40, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


def permuted(draw, node):
    """``node`` with the keys of every mapping in a drawn order (lists untouched)."""
    if isinstance(node, dict):
        keys = draw(st.permutations(list(node)))
        return {k: permuted(draw, node[k]) for k in keys}
    if isinstance(node, list):
        return [permuted(draw, v) for v in node]
    return node


@st.composite
def spec_and_reordering(draw):
    mode = draw(st.sampled_from(["agent", "gateway", "sidecar"]))
    doc = draw(st.one_of(deployments(mode), st.sampled_from([yaml.safe_load(p.read_text()) for p in EXAMPLES])))
    return doc, permuted(draw, doc)


def render(tmp_path, doc, name) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    result = run_cli("render", "-f", str(path))
    return result.code, result.out, result.err


@SETTINGS
@given(pair=spec_and_reordering())
def test_key_order_does_not_change_a_byte(pair, tmp_path_factory):
    doc, shuffled = pair
    tmp = tmp_path_factory.mktemp("order")
    first, second = render(tmp, doc, "a.yaml"), render(tmp, shuffled, "b.yaml")
    assert first[0] == second[0], (first[2], second[2])
    assert first[1] == second[1], "the same spec in another key order rendered different bytes"
    assert first[2] == second[2], "warnings and errors must not depend on key order either"


def test_reversed_keys_everywhere_and_set_order(tmp_path):
    """A hand-made case: every mapping of an example reversed; and --set given in another order."""
    doc = yaml.safe_load((EXAMPLES[0]).read_text())

    def reverse(node):
        if isinstance(node, dict):
            return {k: reverse(node[k]) for k in reversed(list(node))}
        if isinstance(node, list):
            return [reverse(v) for v in node]
        return node

    assert render(tmp_path, doc, "a.yaml")[1] == render(tmp_path, reverse(doc), "b.yaml")[1]
    one = run_cli("render", "gateway", "--set", "pod.labels.b=x2", "--set", "pod.labels.a=x1", "--set", "exporters.debug={}")
    two = run_cli("render", "gateway", "--set", "exporters.debug={}", "--set", "pod.labels.a=x1", "--set", "pod.labels.b=x2")
    assert one.code == 0 and one.out == two.out


def test_processor_order_is_kept(tmp_path):
    """List order is semantic and survives: swapping two processors changes the config."""
    base = ["render", "gateway", "--set", "processors.attributes={actions: [{key: a, action: delete}]}", "--set", "processors.resource={attributes: [{key: b, value: c, action: upsert}]}"]
    one = run_cli(*base, "--set", "pipelines.traces.processors=[memory_limiter, attributes, resource, batch]")
    two = run_cli(*base, "--set", "pipelines.traces.processors=[memory_limiter, resource, attributes, batch]")
    assert one.code == two.code == 0, one.err + two.err
    assert "- attributes\n          - resource" in one.out and "- resource\n          - attributes" in two.out
