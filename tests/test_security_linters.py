"""Rendered manifests under two security/reliability linters, kube-score and
checkov (both pinned in tools/versions.env), on every example and on the three
no-file defaults.

Gateway and sidecar output must have zero findings. The node agent may only have
the findings listed, with their reasons, in tests/security-exemptions.yaml; a
finding not listed fails, and so does a listed one that no longer fires.

Sidecars are judged as deployed: `otelgen inject` into APP below, an app that
is itself clean under the same flags (checked first), so every finding in the
injected output is the collector's.

kube-score flags, and why:
  --output-format json                parsed here (format v2: objects → checks → comments)
  --kubernetes-version v<oldest>      the oldest Kubernetes the schemas target (1.30), not the
                                      tool's default 1.18, for the deprecated-API check
  --enable-optional-test container-seccomp-profile, container-ports-check
                                      the optional checks about security and port hygiene;
                                      the other optional ones (requests == limits for CPU and
                                      ephemeral storage) are a QoS choice, not hardening: the
                                      collector deliberately bursts CPU and sets a scheduling
                                      request below its disk ceiling
  --disable-ignore-checks-annotations a `kube-score/ignore` annotation (pod.annotations is
                                      user input) cannot silence a check
A finding is any check that is not skipped and graded below 10 (AllOK).

checkov stands in for kube-linter, which cannot be obtained here
(golang.stackrox.io/kube-linter is refused by the module proxy, there is no
github.com/stackrox/kube-linter version on it and no PyPI or npm package).
checkov runs its Kubernetes framework offline (--skip-download) with every check
but those in CHECKOV_SKIPS, each skipped for the reason given there.
A finding is any failed check.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, ROOT, run_cli, tool

EXEMPTIONS_FILE = ROOT / "tests" / "security-exemptions.yaml"
LINTERS = ("kube-score", "checkov")
CHECKOV_SKIPS = {
    "CKV_K8S_43": "image by digest: otelgen pins the tag of the image it targets by default; a digest cannot be "
                  "known offline for every registry mirror, and `image.digest` renders one "
                  "(test_checkov_accepts_a_digest_pinned_image proves the check passes then)",
    "CKV_K8S_35": "secrets as files rather than env vars: otelgen's contract is Secret -> env var (secretKeyRef) -> "
                  "${env:VAR} in the config (never in the ConfigMap). The file alternative, ${file:...}, keeps a "
                  "Secret's trailing newline (kubectl create secret --from-file) inside an auth header",
}
OPTIONAL_CHECKS = ("container-seccomp-profile", "container-ports-check")
GRADE_ALL_OK = 10

#: a hardened app for `inject`: Service, 2 replicas with anti-affinity, PDB, NetworkPolicy
#: (its egress allows the injected collector's DNS and OTLP), resources incl. ephemeral
#: storage, restricted security context, distinct probes
APP = """\
apiVersion: v1
kind: Service
metadata: {name: shop, namespace: shop}
spec:
  selector: {app: shop}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10002, runAsGroup: 10002, seccompProfile: {type: RuntimeDefault}}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm: {labelSelector: {matchLabels: {app: shop}}, topologyKey: kubernetes.io/hostname}
      containers:
      - name: app
        image: example/shop:1.2.3
        imagePullPolicy: Always
        ports: [{name: http, containerPort: 8080, protocol: TCP}]
        resources:
          requests: {cpu: 100m, memory: 128Mi, ephemeral-storage: 64Mi}
          limits: {cpu: 500m, memory: 128Mi, ephemeral-storage: 256Mi}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
          privileged: false
          readOnlyRootFilesystem: true
          runAsNonRoot: true
          runAsUser: 10002
          runAsGroup: 10002
          seccompProfile: {type: RuntimeDefault}
        readinessProbe: {httpGet: {path: /ready, port: http}}
        livenessProbe: {httpGet: {path: /live, port: http}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: shop, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: shop}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: shop, namespace: shop}
spec:
  podSelector: {matchLabels: {app: shop}}
  policyTypes: [Ingress, Egress]
  ingress: [{ports: [{port: 8080, protocol: TCP}]}]
  egress:  # DNS, and the injected collector's OTLP export to the gateway
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: observability}}}]
    ports: [{port: 4317, protocol: TCP}]
"""


def _mode(path: Path) -> str:
    return yaml.safe_load(path.read_text())["spec"]["mode"]


def _cases() -> dict[str, tuple[str, tuple[str, ...]]]:
    """case name -> (mode, CLI argv); sidecar specs are injected into APP (given on stdin)."""
    cases = {}
    for path in EXAMPLES:
        mode = _mode(path)
        argv = ("inject", "-f", "-", "--spec", str(path)) if mode == "sidecar" else ("render", "-f", str(path))
        cases[f"example-{path.stem}"] = (mode, argv)
    for mode in ("agent", "gateway"):
        cases[f"default-{mode}"] = (mode, ("render", mode))
    cases["default-sidecar"] = ("sidecar", ("inject", "-f", "-"))
    return cases


CASES = _cases()


@dataclass(frozen=True)
class Finding:
    linter: str
    check: str
    kind: str
    name: str
    container: str
    summary: str

    def __str__(self) -> str:
        where = f"{self.kind}/{self.name}" + (f" ({self.container})" if self.container else "")
        return f"{self.linter} {self.check}: {where}: {self.summary}"


def kube_score_command() -> list[str]:
    import toolpaths

    cmd = [str(tool("kube_score")), "score", "--output-format", "json",
           "--kubernetes-version", "v" + toolpaths.k8s_schema_versions()[0].rsplit(".", 1)[0],
           "--disable-ignore-checks-annotations"]
    for check in OPTIONAL_CHECKS:
        cmd += ["--enable-optional-test", check]
    return cmd + ["-"]


def kube_score(manifest: str) -> list[Finding]:
    proc = subprocess.run(kube_score_command(), input=manifest, capture_output=True, text=True, timeout=120)
    # exit 1 means "found something"; anything else non-zero, or no JSON, is a broken run
    assert proc.returncode in (0, 1) and proc.stdout.strip(), f"kube-score failed ({proc.returncode}): {proc.stderr}"
    findings = []
    for obj in json.loads(proc.stdout) or []:
        kind, name = obj["type_meta"]["kind"], obj["object_meta"]["name"]
        for check in obj["checks"]:
            if check["skipped"] or check["grade"] >= GRADE_ALL_OK:
                continue
            for comment in check["comments"] or [{"path": "", "summary": check["check"]["name"]}]:
                findings.append(Finding("kube-score", check["check"]["id"], kind, name, comment.get("path") or "", comment["summary"]))
    return sorted(set(findings), key=str)


def checkov_command(path: Path) -> list[str]:
    return [*tool("checkov"), "--framework", "kubernetes", "--skip-download", "--quiet", "--compact",
            "--output", "json", "--skip-check", ",".join(sorted(CHECKOV_SKIPS)), "--file", str(path)]


def checkov(manifest: str, tmp_dir: Path) -> list[Finding]:
    path = tmp_dir / "manifest.yaml"
    path.write_text(manifest)
    proc = subprocess.run(checkov_command(path), capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_dir), "LOG_LEVEL": "WARNING"})
    # exit 1 means "a check failed"; anything else non-zero, or no JSON, is a broken run
    assert proc.returncode in (0, 1) and proc.stdout.strip().startswith(("{", "[")), f"checkov failed ({proc.returncode}): {proc.stderr[-2000:]}"
    reports = json.loads(proc.stdout)
    findings = []
    for report in reports if isinstance(reports, list) else [reports]:
        assert report["summary"]["parsing_errors"] == 0, report["summary"]
        assert report["summary"]["resource_count"] > 0, "checkov read no object: it judged nothing"
        for failed in report["results"]["failed_checks"]:
            kind, _, rest = failed["resource"].partition(".")
            findings.append(Finding("checkov", failed["check_id"], kind, rest.rpartition(".")[2], "", failed["check_name"]))
    return sorted(set(findings), key=str)


@functools.cache
def rendered(case: str) -> str:
    _, argv = CASES[case]
    result = run_cli(*argv, stdin=APP if argv[0] == "inject" else None)
    assert result.code == 0, result.err
    return result.out


@functools.cache
def findings_of(case: str) -> tuple[Finding, ...]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return tuple(kube_score(rendered(case)) + checkov(rendered(case), Path(tmp)))


def load_exemptions() -> list[dict]:
    return yaml.safe_load(EXEMPTIONS_FILE.read_text())["exemptions"] or []


def exempts(entry: dict, finding: Finding) -> bool:
    return (entry["linter"] == finding.linter and entry["check"] == finding.check
            and entry["object"] == f"{finding.kind}/{finding.name}"
            and entry.get("container", finding.container) == finding.container)


def judge(findings_by_case: dict[str, list[Finding]], modes: dict[str, str], exemptions: list[dict]) -> list[str]:
    """Every problem: unexempted findings (exemptions count only for the agent),
    and exemptions that fired in no agent case."""
    problems, used = [], set()
    for case, findings in sorted(findings_by_case.items()):
        for finding in findings:
            hits = [i for i, e in enumerate(exemptions) if modes[case] == "agent" and exempts(e, finding)]
            used.update(hits)
            if not hits:
                problems.append(f"{case}: {finding}")
    for i, entry in enumerate(exemptions):
        if i not in used:
            problems.append(f"{EXEMPTIONS_FILE.name}: exemption no longer fires, remove it: {entry}")
    return problems


# ---- the judge itself (no tools) ---------------------------------------------

def test_exemption_file_is_well_formed():
    listed = subprocess.run([str(tool("kube_score")), "list"], capture_output=True, text=True, timeout=60, check=True).stdout
    known = {line.split(",")[0] for line in listed.splitlines() if line}
    for entry in load_exemptions():
        assert set(entry) <= {"linter", "check", "object", "container", "reason"}, entry
        assert entry["linter"] in LINTERS, entry
        if entry["linter"] == "kube-score":
            assert entry["check"] in known, f"unknown kube-score check {entry['check']!r}"
        else:
            assert re.fullmatch(r"CKV2?_K8S_\d+", entry["check"]), f"not a checkov Kubernetes check id: {entry['check']!r}"
        assert entry["object"].startswith("DaemonSet/"), f"only the node agent may be exempted: {entry}"
        assert len(str(entry.get("reason", "")).strip()) >= 20, f"say why: {entry}"


def test_judge_reports_new_findings_and_stale_exemptions():
    f = Finding("kube-score", "container-image-pull-policy", "DaemonSet", "otel-agent", "otc-container", "ImagePullPolicy is not set to Always")
    entry = {"linter": "kube-score", "check": f.check, "object": "DaemonSet/otel-agent", "reason": "x" * 20}
    modes = {"a": "agent", "g": "gateway"}
    assert judge({"a": [f]}, modes, [entry]) == []
    assert judge({"a": [f]}, modes, []) == [f"a: {f}"]
    assert judge({"a": []}, modes, [entry]) == [f"security-exemptions.yaml: exemption no longer fires, remove it: {entry}"]
    # an agent exemption never excuses the same finding elsewhere
    assert len(judge({"a": [f], "g": [f]}, modes, [entry])) == 1
    assert judge({"a": [f]}, modes, [{**entry, "container": "other"}])[0] == f"a: {f}"
    # an exemption names its linter: the same id from the other linter is not excused
    assert judge({"a": [Finding("checkov", *list(vars(f).values())[1:])]}, modes, [entry])[0].startswith("a: checkov ")


@pytest.mark.tools
def test_kube_score_is_a_real_judge():
    """The same manifest with one hardening removed is flagged: the linter and the parsing work."""
    good = rendered("default-gateway")
    assert "imagePullPolicy: Always" in good and "tcpSocket:" in good
    weakened = good.replace("imagePullPolicy: Always", "imagePullPolicy: IfNotPresent")
    found = {f.check for f in kube_score(weakened)}
    assert "container-image-pull-policy" in found
    no_anti_affinity = yaml.safe_load_all(good)
    docs = []
    for doc in no_anti_affinity:
        if doc and doc["kind"] == "Deployment":
            del doc["spec"]["template"]["spec"]["affinity"]
            container = doc["spec"]["template"]["spec"]["containers"][0]
            container["livenessProbe"] = {"httpGet": container["readinessProbe"]["httpGet"]}
        docs.append(doc)
    found = {f.check for f in kube_score(yaml.safe_dump_all(docs))}
    assert {"deployment-has-host-podantiaffinity", "pod-probes-identical"} <= found


@pytest.mark.tools
def test_checkov_is_a_real_judge(tmp_path):
    """One hardening removed from the clean gateway is flagged; the skipped digest
    check passes once the spec pins a digest (so skipping it hides nothing otelgen can do)."""
    good = rendered("default-gateway")
    assert "readOnlyRootFilesystem: true" in good
    found = {f.check for f in checkov(good.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"), tmp_path)}
    assert "CKV_K8S_22" in found  # "Use read-only filesystem for containers where possible"
    docs = [d for d in yaml.safe_load_all(good) if d]
    for doc in docs:
        if doc["kind"] == "Deployment":
            doc["spec"]["template"]["spec"]["automountServiceAccountToken"] = True
    assert "CKV_K8S_38" in {f.check for f in checkov(yaml.safe_dump_all(docs), tmp_path)}


@pytest.mark.tools
def test_checkov_accepts_a_digest_pinned_image(tmp_path):
    digest = "sha256:" + "ab" * 32
    result = run_cli("render", "gateway", "--set", f"image.digest={digest}")
    assert result.code == 0 and f"@{digest}" in result.out, result.err
    path = tmp_path / "m.yaml"
    path.write_text(result.out)
    cmd = [c for c in checkov_command(path) if c not in ("--skip-check", ",".join(sorted(CHECKOV_SKIPS)))] + ["--check", "CKV_K8S_43"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and report["summary"]["passed"] >= 1 and report["summary"]["failed"] == 0, proc.stdout[-2000:]


@pytest.mark.tools
def test_the_app_used_for_inject_is_clean(tmp_path):
    assert kube_score(APP) == []
    assert checkov(APP, tmp_path) == []


# ---- the rendered output ------------------------------------------------------

@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(CASES))
def test_no_unexempted_findings(case):
    mode, _ = CASES[case]
    exemptions = load_exemptions() if mode == "agent" else []
    problems = [p for p in judge({case: list(findings_of(case))}, {case: mode}, exemptions)
                if "no longer fires" not in p]  # staleness is judged over all agent cases below
    assert not problems, "\n".join(problems)


@pytest.mark.tools
def test_every_exemption_still_fires():
    agent_cases = {case: list(findings_of(case)) for case, (mode, _) in CASES.items() if mode == "agent"}
    problems = judge(agent_cases, {case: "agent" for case in agent_cases}, load_exemptions())
    assert not problems, "\n".join(problems)
