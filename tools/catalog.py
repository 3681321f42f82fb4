"""Generate otelgen's component catalog from the components' own Go modules.

    python3 tools/catalog.py releases GIT_DIR   # refresh tools/catalog/releases.json from a
                                                 # clone of opentelemetry-collector-releases
    python3 tools/catalog.py build [--jobs N]    # `make catalog`: download every module of
                                                 # every listed release, write the catalog

`releases` keeps only list facts: per distribution (otelcol-k8s, otelcol-contrib) and
release tag, which Go module at which version provides each component. Releases newer
than the newest tag the clone has are derived from that tag's list (same modules, the
release's version) and marked so.

`build` runs `go mod download -json MODULE@VERSION` (Go's default module proxy,
GOSUMDB=off, the same modules the collector builder fetches, into the Go module cache
outside the repo) for every (module, version) of every release, with a bounded pool.
From each module it reads `metadata.yaml` (type, deprecated_type, stability per signal,
the distributions it declares) and `config.schema.yaml` (JSON Schema in YAML), resolving
`$ref`s into other packages of the same module or into other modules at the version the
component's go.mod requires. A module the proxy refuses (403/404) is recorded as not
served; a module without config.schema.yaml is recorded as having no schema; a `$ref`
that cannot be resolved becomes an "accept anything" node. The result is
generator/otelgen/data/catalog.json (deterministic, deduplicated: each schema node
stored once by content hash, each component's facts stored only where they change).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parent
RELEASES = TOOLS / "catalog" / "releases.json"
OUT = REPO / "generator" / "otelgen" / "data" / "catalog.json"
sys.path.insert(0, str(REPO / "generator"))

from otelgen import catalog as runtime  # noqa: E402  (the checker the catalog feeds)

DISTRIBUTIONS = ("otelcol-k8s", "otelcol-contrib")
KINDS = ("receivers", "processors", "exporters", "extensions", "connectors")
#: the oldest release the catalog covers
FIRST = (0, 145, 0)
#: releases the clone may not have yet, derived from its newest tag's list (core
#: otelcol v0.165.0 is the newest release on the module proxy, 2026-11-06)
DERIVED_THROUGH = (0, 165, 0)
ENV = dict(os.environ, GOSUMDB=os.environ.get("GOSUMDB", "off"), GOFLAGS="-mod=mod", GOTOOLCHAIN="local")


def vtuple(v: str) -> tuple[int, int, int]:
    m = re.match(r"^v?(\d+)\.(\d+)\.(\d+)$", v)
    if not m:
        raise ValueError(v)
    return int(m[1]), int(m[2]), int(m[3])


def vstr(t: tuple[int, int, int]) -> str:
    return "%d.%d.%d" % t


# ---- releases: list facts from the releases repository ------------------------------

def releases(git_dir: str) -> None:
    tags = subprocess.run(["git", "-C", git_dir, "tag"], capture_output=True, text=True, check=True).stdout.split()
    tags = sorted((t for t in tags if re.fullmatch(r"v\d+\.\d+\.\d+", t) and vtuple(t) >= FIRST), key=vtuple)
    out: dict = {"about": "Per release of opentelemetry-collector-releases: the Go module (and version) "
                 "behind each component of each distribution's manifest.yaml. 'derived' releases are "
                 "newer than the newest tag read: the same list at that release's version.", "releases": {}}
    newest = None
    for tag in tags:
        entry = {}
        for dist in DISTRIBUTIONS:
            text = subprocess.run(["git", "-C", git_dir, "show", f"{tag}:distributions/{dist}/manifest.yaml"],
                                  capture_output=True, text=True, check=True).stdout
            manifest = yaml.safe_load(text)
            entry[dist] = {kind: sorted(_module_entry(e) for e in manifest.get(kind) or [])
                           for kind in KINDS + ("providers",)}
        out["releases"][tag[1:]] = {"source": f"tag {tag}", **entry}
        newest = tag
    assert newest, "no release tags found"
    base = out["releases"][newest[1:]]
    t = vtuple(newest)
    t = (t[0], t[1] + 1, 0)
    while t <= DERIVED_THROUGH:
        v = vstr(t)
        entry = {"source": f"derived from tag {newest}"}
        for dist in DISTRIBUTIONS:
            entry[dist] = {kind: sorted(_rebase(e, newest[1:], v) for e in base[dist][kind]) for kind in KINDS}
            entry[dist]["providers"] = []  # provider versions (1.x) are not derivable
        out["releases"][v] = entry
        t = (t[0], t[1] + 1, 0)
    RELEASES.parent.mkdir(parents=True, exist_ok=True)
    RELEASES.write_text(json.dumps(compress(out), indent=1, sort_keys=True) + "\n")
    print(f"wrote {RELEASES.relative_to(REPO)}: {len(out['releases'])} releases", file=sys.stderr)


def compress(out: dict) -> dict:
    """Per distribution and kind: module → the runs of releases that list it, and the
    module's version where it is not the release's own (1.x modules, patch releases)."""
    order = sorted(out["releases"], key=vtuple)
    packed: dict = {"about": out["about"], "releases": {v: out["releases"][v]["source"] for v in order}}
    for dist in DISTRIBUTIONS:
        table: dict = {}
        for v in order:
            for kind in KINDS + ("providers",):
                for path, version, imp in out["releases"][v][dist][kind]:
                    key = imp if imp == path else f"{path}#{imp}"
                    m = table.setdefault(kind, {}).setdefault(key, {"in": []})
                    if m["in"] and m["in"][-1][1] == order[order.index(v) - 1]:
                        m["in"][-1][1] = v
                    else:
                        m["in"].append([v, v])
                    if version != "v" + v:
                        m.setdefault("version", {})[v] = version
        packed[dist] = table
    return packed


def expand() -> dict:
    """releases.json back into release → distribution → kind → [[path, version, import]]."""
    packed = json.loads(RELEASES.read_text())
    order = sorted(packed["releases"], key=vtuple)
    out = {v: {"source": packed["releases"][v], **{d: {k: [] for k in KINDS + ("providers",)} for d in DISTRIBUTIONS}}
           for v in order}
    for dist in DISTRIBUTIONS:
        for kind, table in packed[dist].items():
            for key, m in table.items():
                path, _, imp = key.partition("#")
                for first, last in m["in"]:
                    for v in order[order.index(first):order.index(last) + 1]:
                        out[v][dist][kind].append([path, m.get("version", {}).get(v, "v" + v), imp or path])
    return out


def _module_entry(e: dict) -> list[str]:
    path, version = e["gomod"].split()
    return [path, version, e.get("import", path)]


def _rebase(e: list[str], old: str, new: str) -> list[str]:
    path, version, imp = e
    # component modules at the release's own 0.x version; a module that left 0.x is
    # resolved by `build` (the 1.x version published with the same commit)
    same = version == "v" + old or version.startswith("v" + old.rsplit(".", 1)[0] + ".")
    return [path, "v" + new if same else "?", imp]


# ---- build: download, read, resolve ------------------------------------------------

def go_download(mv: str) -> dict:
    p = subprocess.run(["go", "mod", "download", "-json", mv], capture_output=True, text=True, env=ENV, cwd="/")
    try:
        d = json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"Error": (p.stderr or "no output").strip()[-300:]}
    return d


def status_of(d: dict) -> str:
    err = d.get("Error")
    if not err:
        return "ok"
    m = re.search(r"\b(403|404|410)\b", err)
    if m:
        return m[1]
    if "requires go >=" in err:
        return "needs newer Go: " + re.search(r"requires go >= \S+", err)[0]
    return "error: " + err.splitlines()[0][-160:]


class Downloader:
    def __init__(self, jobs: int):
        self.jobs = jobs
        self.results: dict[str, dict] = {}

    def fetch_all(self, mvs) -> None:
        todo = sorted(set(mvs) - set(self.results))
        with cf.ThreadPoolExecutor(self.jobs) as ex:
            for mv, d in zip(todo, ex.map(go_download, todo)):
                self.results[mv] = d

    def get(self, mv: str) -> dict:
        if mv not in self.results:
            self.results[mv] = go_download(mv)
        return self.results[mv]


def module_time(dl: Downloader, path: str, version: str) -> str | None:
    d = dl.get(f"{path}@{version}")
    return d.get("Time") if not d.get("Error") else None


def resolve_moved(dl: Downloader, path: str, release: str, reference_time: str | None) -> str:
    """A module that left 0.x: its version published with the release's commit (same time)."""
    if reference_time is None:
        return "v" + release
    p = subprocess.run(["go", "list", "-m", "-versions", path], capture_output=True, text=True, env=ENV, cwd="/")
    for cand in (p.stdout.split()[1:] if p.returncode == 0 else []):
        if cand.startswith("v1.") and module_time(dl, path, cand) == reference_time:
            return cand
    return "v" + release


def read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None


def go_mod_requires(moddir: Path) -> dict[str, str]:
    text = (moddir / "go.mod").read_text(encoding="utf-8") if (moddir / "go.mod").exists() else ""
    reqs = {}
    own = re.search(r"^module\s+(\S+)", text, re.M)
    if own and "@" in moddir.name:
        reqs[own[1]] = moddir.name.rsplit("@", 1)[1]
    for m in re.finditer(r"^\s*(?:require\s+)?([\w./~-]+\.[\w./~-]+)\s+(v\S+)", text, re.M):
        reqs[m[1]] = m[2]
    return reqs


def module_path(moddir: Path) -> str:
    m = re.search(r"^module\s+(\S+)", (moddir / "go.mod").read_text(encoding="utf-8"), re.M)
    return m[1] if m else ""


#: repositories whose schemas write refs from their root ("/config/configopaque.map_list")
REPO_ROOTS = ("go.opentelemetry.io/collector", "github.com/open-telemetry/opentelemetry-collector-contrib")


def repo_root(module: str) -> str:
    return next((r for r in REPO_ROOTS if module == r or module.startswith(r + "/")), module)


class Resolver:
    """Resolves a component's config.schema.yaml into self-contained nodes; every node
    that came from a $def is interned in `defs` by content hash."""

    def __init__(self, dl: Downloader):
        self.dl = dl
        self.defs: dict[str, dict] = {}
        self.files: dict[Path, dict | None] = {}
        self.cache: dict[tuple, dict] = {}
        self.unresolved: set[str] = set()

    def _file(self, path: Path):
        if path not in self.files:
            self.files[path] = read_yaml(path)
        return self.files[path]

    def schema_of(self, moddir: Path, pkgdir: Path, requires: dict[str, str]) -> dict | None:
        top = self._file(pkgdir / "config.schema.yaml")
        if not isinstance(top, dict):
            return None
        ctx = (moddir, requires)
        return self.node(top, pkgdir, ctx, ())

    def _locate(self, ref: str, pkgdir: Path, ctx) -> tuple[Path | None, str]:
        moddir, requires = ctx
        if "." not in ref.rsplit("/", 1)[-1]:
            return pkgdir, ref  # a $def of the same file
        pkg, name = ref.rsplit(".", 1)
        if pkg.startswith("./") or pkg.startswith("../"):
            return (pkgdir / pkg).resolve(), name
        if pkg.startswith("/"):  # from the root of the repository the module lives in
            pkg = repo_root(module_path(moddir)) + pkg
        best = max((m for m in requires if pkg == m or pkg.startswith(m + "/")), key=len, default=None)
        if best is None:
            return None, name
        d = self.dl.get(f"{best}@{requires[best]}")
        if d.get("Error") or not d.get("Dir"):
            return None, name
        return Path(d["Dir"]) / pkg[len(best) + 1:] if pkg != best else Path(d["Dir"]), name

    def ref(self, ref: str, pkgdir: Path, ctx, stack: tuple) -> dict:
        target, name = self._locate(ref, pkgdir, ctx)
        key = (str(target), name)
        if target is None:
            self.unresolved.add(ref)
            return {"x-unresolved": ref}
        if key in stack:
            return {}  # recursive type: accept below this point
        if key in self.cache:
            return self.cache[key]
        doc = self._file(target / "config.schema.yaml")
        node = (doc or {}).get("$defs", {}).get(name) if isinstance(doc, dict) else None
        if node is None:
            self.unresolved.add(ref)
            return {"x-unresolved": ref}
        # a foreign module's own refs resolve against that module's go.mod
        sub_ctx = ctx
        if not str(target).startswith(str(ctx[0])):
            root = target
            while root != root.parent and not (root / "go.mod").exists():
                root = root.parent
            sub_ctx = (root, go_mod_requires(root))
        resolved = self.node(node, target, sub_ctx, stack + (key,))
        h = intern(self.defs, resolved)
        out = {"$ref": h}
        self.cache[key] = out
        return out

    def node(self, n, pkgdir: Path, ctx, stack: tuple):
        if not isinstance(n, dict):
            return {}
        out: dict = {}
        if "$ref" in n:
            r = self.ref(n["$ref"], pkgdir, ctx, stack)
            if len(n.keys() - {"$ref", "description", "x-pointer", "x-optional"}) == 0:
                return r
            out["allOf"] = [r]
        for key in ("type", "format", "enum", "default", "x-customType"):
            if key in n:
                out[key] = n[key]
        if "properties" in n and isinstance(n["properties"], dict):
            out["properties"] = {k: self.node(v, pkgdir, ctx, stack) for k, v in sorted(n["properties"].items())}
        if "items" in n:
            out["items"] = self.node(n["items"], pkgdir, ctx, stack)
        if "additionalProperties" in n:
            ap = n["additionalProperties"]
            out["additionalProperties"] = ap if isinstance(ap, bool) else self.node(ap, pkgdir, ctx, stack)
        if "allOf" in n:
            out.setdefault("allOf", []).extend(self.node(x, pkgdir, ctx, stack) for x in n["allOf"])
        for key in ("oneOf", "anyOf"):
            if key in n:
                out[key] = [self.node(x, pkgdir, ctx, stack) for x in n[key]]
        return out


def canon(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def intern(table: dict, node: dict) -> str:
    h = hashlib.sha256(canon(node).encode()).hexdigest()[:12]
    table.setdefault(h, node)
    return h


#: testdata config names that the module's own tests expect to fail
EXPECTED_INVALID = re.compile(r"bad|invalid|error|wrong|fail|missing|unknown|empty|negative|incorrect|malformed|unsupported", re.I)


def testdata_configs(pkgdir: Path, type_names: set[str], kind: str) -> list[tuple[str, object]]:
    """Configs from the module's testdata/config.yaml under the component's own type
    (what its tests load as valid or invalid input)."""
    doc = read_yaml(pkgdir / "testdata" / "config.yaml")
    if not isinstance(doc, dict):
        return []
    section = doc.get(kind) if isinstance(doc.get(kind), dict) else doc
    return [(str(k), v) for k, v in section.items() if str(k).split("/")[0] in type_names]


ALIAS = re.compile(r'WithDeprecatedTypeAlias\(\s*component\.MustNewType\(\s*"([^"]+)"')


def alias_in_code(pkgdir: Path) -> str | None:
    """A deprecated type alias registered in the factory (core components before their
    metadata.yaml had `deprecated_type`, e.g. otlpexporter's "otlp")."""
    for go in sorted(pkgdir.glob("*.go")):
        if go.name.endswith("_test.go"):
            continue
        m = ALIAS.search(go.read_text(encoding="utf-8", errors="replace"))
        if m:
            return m[1]
    return None


def component_facts(dl: Downloader, res: Resolver, path: str, version: str, imp: str, kind: str) -> dict:
    d = dl.get(f"{path}@{version}")
    st = status_of(d)
    if st != "ok":
        return {"served": st}
    moddir = Path(d["Dir"])
    pkgdir = moddir / imp[len(path) + 1:] if imp != path else moddir
    meta = read_yaml(pkgdir / "metadata.yaml") or {}
    status = meta.get("status") or {}
    facts: dict = {"type": meta.get("type")}
    alias = meta.get("deprecated_type") or alias_in_code(pkgdir)
    if alias:
        facts["deprecated_type"] = alias
    if status.get("stability"):
        facts["stability"] = {k: sorted(v) for k, v in sorted(status["stability"].items())}
    if status.get("distributions"):
        facts["declares"] = sorted(status["distributions"])
    if not (pkgdir / "config.schema.yaml").exists():
        facts["schema"] = None
    else:
        root = res.schema_of(moddir, pkgdir, go_mod_requires(moddir))
        facts["schema"] = intern(res.defs, root) if root is not None else None
        if root is not None:
            names = {facts["type"], facts.get("deprecated_type")} - {None}
            loose = set()
            for cid, cfg in testdata_configs(pkgdir, names, kind):
                if EXPECTED_INVALID.search(cid):
                    continue  # a config the module's own tests expect to be refused
                for problem in runtime.check(cfg, root, res.defs, [kind, cid]):
                    loose.add(runtime.relative_pattern(problem.path[2:]))
            if loose:
                # the module's own test configs pass keys or shapes the schema lacks (a
                # custom decoder, a schema gap): never stricter than the collector, so
                # nothing is checked at or below these paths
                facts["loose"] = sorted(loose)
    return facts


def build(jobs: int) -> None:
    start = time.time()
    rel = expand()
    versions = sorted(rel, key=vtuple)
    dl = Downloader(jobs)
    wanted = set()
    for v in versions:
        for dist in DISTRIBUTIONS:
            for kind in KINDS + ("providers",):
                for path, mver, _ in rel[v][dist][kind]:
                    if mver != "?":
                        wanted.add(f"{path}@{mver}")
    print(f"catalog: downloading {len(wanted)} module versions with {jobs} workers", file=sys.stderr)
    dl.fetch_all(wanted)
    print(f"catalog: downloads took {time.time() - start:.0f}s", file=sys.stderr)

    # releases derived past the newest tag: modules that left 0.x
    for v in versions:
        if not rel[v]["source"].startswith("derived"):
            continue
        ref_time = None
        for path, mver, _ in rel[v]["otelcol-contrib"]["processors"]:
            ref_time = ref_time or module_time(dl, path, mver)
        for dist in DISTRIBUTIONS:
            for kind in KINDS:
                fixed = []
                for path, mver, imp in rel[v][dist][kind]:
                    if mver == "?" or status_of(dl.get(f"{path}@{mver}")) == "404":
                        mver = resolve_moved(dl, path, v, ref_time)
                    fixed.append([path, mver, imp])
                rel[v][dist][kind] = fixed

    res = Resolver(dl)
    modules: dict[str, dict] = {}
    dists: dict[str, dict] = {d: {} for d in DISTRIBUTIONS}
    for v in versions:
        for dist in DISTRIBUTIONS:
            entry: dict = {"components": {}, "not_served": {}}
            for kind in KINDS:
                for path, mver, imp in rel[v][dist][kind]:
                    key = imp
                    facts = component_facts(dl, res, path, mver, imp, kind)
                    m = modules.setdefault(key, {"kind": kind[:-1], "history": []})
                    if mver != "v" + v:
                        facts["module_version"] = mver
                    if not m["history"] or m["history"][-1][1] != facts:
                        if not any(h[0] == v for h in m["history"]):
                            m["history"].append([v, facts])
                    entry["components"].setdefault(kind[:-1], []).append(key)
                    if facts.get("served", "ok") != "ok":
                        entry["not_served"][f"{path}@{mver}"] = facts["served"]
            for path, mver, _ in rel[v][dist]["providers"]:
                st = status_of(dl.get(f"{path}@{mver}"))
                if st != "ok":
                    entry["not_served"][f"{path}@{mver}"] = st
            entry["components"] = {k: sorted(x) for k, x in sorted(entry["components"].items())}
            entry["source"] = rel[v]["source"]
            entry["buildable"] = not entry["not_served"] and not rel[v]["source"].startswith("derived")
            dists[dist][v] = entry

    used = set()

    def mark(h):
        if h in used:
            return
        used.add(h)
        walk_refs(res.defs[h], mark)

    for m in modules.values():
        for _, facts in m["history"]:
            if facts.get("schema"):
                mark(facts["schema"])
    catalog = {
        "about": {
            "generated_by": "tools/catalog.py build (make catalog)",
            "sources": "metadata.yaml and config.schema.yaml of each component's Go module, downloaded "
                       "from the Go module proxy; component lists from tools/catalog/releases.json",
            "coverage": "every component module of otelcol-k8s and otelcol-contrib at every listed release; "
                        "a (module, version) the proxy refuses is recorded as not served and carries no facts",
            "versions": versions,
        },
        "distributions": dists,
        "modules": dict(sorted(modules.items())),
        "schemas": {h: res.defs[h] for h in sorted(used)},
        "unresolved_refs": sorted(res.unresolved),
    }
    OUT.write_text(json.dumps(catalog, sort_keys=True, separators=(",", ":")) + "\n")
    served = sum(1 for mv, d in dl.results.items() if not d.get("Error"))
    print(f"catalog: wrote {OUT.relative_to(REPO)} ({OUT.stat().st_size // 1024} KiB): "
          f"{len(modules)} components, {len(versions)} releases, {served}/{len(dl.results)} module versions served, "
          f"{len(used)} schema nodes, {len(res.unresolved)} unresolved refs; {time.time() - start:.0f}s", file=sys.stderr)


def walk_refs(node, fn) -> None:
    if isinstance(node, dict):
        if "$ref" in node:
            fn(node["$ref"])
        for v in node.values():
            walk_refs(v, fn)
    elif isinstance(node, list):
        for v in node:
            walk_refs(v, fn)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="catalog.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("releases")
    r.add_argument("git_dir")
    b = sub.add_parser("build")
    b.add_argument("--jobs", type=int, default=8)
    args = ap.parse_args(argv)
    if args.cmd == "releases":
        releases(args.git_dir)
    else:
        build(args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
