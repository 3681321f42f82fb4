"""A small fake Kubernetes API server for end-to-end tests of service discovery.

It serves just enough of the core/v1 API for client-go informers (Prometheus'
``kubernetes_sd_configs``, the target allocator): list and watch of pods, in
every namespace or in one, honouring ``fieldSelector`` equality terms
(``spec.nodeName=node-a``, ``metadata.namespace=ns``, ``status.phase=Running``)
and ``labelSelector`` equality terms (``app=x``). Plain HTTP on loopback, no
authentication: point a discovery config at it with ``api_server: <url>``.

The pods are fixed when the server starts (``set_pods`` replaces them and ends
open watches, so clients list again). A watch sends no events and stays open
until its ``timeoutSeconds`` (capped) or until the server stops. Every request
is recorded in ``requests`` (path and parsed query) so a test can assert what
the client asked for.

    with FakeApiServer([pod("a", node="node-a", ip="127.0.0.1", port=9100)]) as api:
        config["api_server"] = api.url
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: the longest a watch stays open (client-go asks for 5-10 minutes)
WATCH_CAP_SECONDS = 5.0


def pod(name: str, *, node: str, ip: str, port: int | None = None, namespace: str = "default", annotations: dict[str, str] | None = None, labels: dict[str, str] | None = None, port_name: str = "metrics", phase: str = "Running") -> dict[str, Any]:
    """A Running, Ready pod on ``node`` with one container (and one container port when ``port``)."""
    container: dict[str, Any] = {"name": "app", "image": "example/app:1"}
    if port is not None:
        container["ports"] = [{"name": port_name, "containerPort": port, "protocol": "TCP"}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}", "resourceVersion": "1", "labels": dict(labels or {}), "annotations": dict(annotations or {})},
        "spec": {"nodeName": node, "containers": [container]},
        "status": {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": ip, "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "image": "example/app:1", "imageID": "", "containerID": f"containerd://{name}"}]},
    }


def _field(obj: dict[str, Any], path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def _terms(selector: str) -> list[tuple[str, str, bool]]:
    """``a=b,c!=d`` → [(a, b, True), (c, d, False)]; ``==`` is ``=``."""
    out = []
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            out.append((key.strip(), value.strip(), False))
        else:
            key, _, value = term.replace("==", "=").partition("=")
            out.append((key.strip(), value.strip(), True))
    return out


def matches(obj: dict[str, Any], field_selector: str = "", label_selector: str = "") -> bool:
    for key, value, equal in _terms(field_selector):
        if (_field(obj, key) == value) != equal:
            return False
    labels = obj.get("metadata", {}).get("labels") or {}
    for key, value, equal in _terms(label_selector):
        if (labels.get(key) == value) != equal:
            return False
    return True


class FakeApiServer:
    def __init__(self, pods: list[dict[str, Any]] | None = None, host: str = "127.0.0.1") -> None:
        self._pods = list(pods or [])
        self._version = 1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._generation = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeApiServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeApiServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_pods(self, pods: list[dict[str, Any]]) -> None:
        """Replace the pods; open watches end, so informers list again."""
        with self._lock:
            self._pods = list(pods)
            self._version += 1
            self._generation += 1

    def pod_requests(self) -> list[dict[str, str]]:
        """The query of every pod list or watch request, in order."""
        return [q for path, q in self.requests if path.endswith("/pods")]

    # ------------------------------------------------------------ HTTP

    def _list(self, namespace: str | None, query: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            items = [p for p in self._pods if (namespace is None or p["metadata"]["namespace"] == namespace) and matches(p, query.get("fieldSelector", ""), query.get("labelSelector", ""))]
            version = str(self._version)
        return {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": version}, "items": items}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                path = parts.path.rstrip("/")
                api.requests.append((path, query))
                segments = path.split("/")
                namespace = None
                if path == "/api/v1/pods":
                    pass
                elif len(segments) == 6 and segments[:4] == ["", "api", "v1", "namespaces"] and segments[5] == "pods":
                    namespace = segments[4]
                elif path == "/version":
                    return self._json(200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0-fake", "platform": "linux/amd64"})
                elif path == "/api":
                    return self._json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
                elif path == "/apis":
                    return self._json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
                else:
                    return self._json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": f"the fake API server does not serve {path}"})
                if query.get("watch") in ("true", "1"):
                    return self._watch(query)
                return self._json(200, api._list(namespace, query))

            def _watch(self, query: dict[str, str]) -> None:
                """No events; open until timeoutSeconds (capped), set_pods, or stop."""
                generation = api._generation
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.flush()
                try:
                    timeout = min(float(query.get("timeoutSeconds", WATCH_CAP_SECONDS)), WATCH_CAP_SECONDS)
                except ValueError:
                    timeout = WATCH_CAP_SECONDS
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline and not api._stop.is_set() and api._generation == generation:
                    time.sleep(0.05)
                self.close_connection = True

        return Handler


__all__ = ["FakeApiServer", "pod", "matches"]
