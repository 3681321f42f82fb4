"""The fake API server the scraping e2e tests point service discovery at."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from fake_apiserver import FakeApiServer, matches, pod

PODS = [pod("a", node="node-a", ip="10.0.0.1", port=9100, labels={"app": "x"}), pod("b", node="node-b", ip="10.0.0.2", port=9100, namespace="other")]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.load(resp)


def test_lists_pods_honouring_the_field_selector_on_the_node():
    with FakeApiServer(PODS) as api:
        every = _get(f"{api.url}/api/v1/pods")
        node_a = _get(f"{api.url}/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a")
        not_a = _get(f"{api.url}/api/v1/pods?fieldSelector=spec.nodeName!%3Dnode-a")
        in_other = _get(f"{api.url}/api/v1/namespaces/other/pods")
    assert [p["metadata"]["name"] for p in every["items"]] == ["a", "b"]
    assert [p["metadata"]["name"] for p in node_a["items"]] == ["a"]
    assert [p["metadata"]["name"] for p in not_a["items"]] == ["b"]
    assert [p["metadata"]["name"] for p in in_other["items"]] == ["b"]
    assert api.pod_requests()[1] == {"fieldSelector": "spec.nodeName=node-a"}


def test_label_selector_and_unknown_paths():
    assert matches(PODS[0], "", "app=x") and not matches(PODS[1], "", "app=x")
    with FakeApiServer(PODS) as api, pytest.raises(urllib.error.HTTPError) as err:
        _get(f"{api.url}/api/v1/nodes")
    assert err.value.code == 404


def test_a_watch_stays_open_and_ends_on_set_pods():
    import threading
    import time

    with FakeApiServer(PODS) as api:
        started = time.monotonic()
        threading.Timer(0.5, api.set_pods, args=(PODS[:1],)).start()
        with urllib.request.urlopen(f"{api.url}/api/v1/pods?watch=true&timeoutSeconds=30", timeout=10) as resp:
            assert resp.read() == b""
        took = time.monotonic() - started
        assert 0.4 < took < 4
        assert len(_get(f"{api.url}/api/v1/pods")["items"]) == 1
