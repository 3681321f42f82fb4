"""Convert the CustomResourceDefinitions in ../shared/crds into the JSON schemas committed
under tools/crd-schemas/, which kubeconform reads (tests, tools/install.sh --check).

Usage: python3 tools/crd_schemas.py [CRD_DIR]     (or: make crd-schemas)
  CRD_DIR defaults to $OTELGEN_CRDS_DIR, else <repo>/../shared/crds. CRDs not in it come from
  Go module zips listed in tools/crd-modules.txt (MODULE@VERSION PATH; fetched with
  `go mod download -json`, so regenerating needs go and the module proxy; the module, version,
  its go.sum hash and the tag's commit are recorded). Replaces tools/crd-schemas/
  as a whole with, for every served version of every CRD,
    tools/crd-schemas/standalone/<group>/<kind>_<version>.json         (as published)
    tools/crd-schemas/standalone-strict/<group>/<kind>_<version>.json  (unknown fields rejected)
  with <kind> in lower case, so the kubeconform template is
    tools/crd-schemas/standalone{{ .StrictSuffix }}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json
  and tools/crd-schemas/index.json: for each schema its source file (with sha256), CRD name,
  group, kind, version, and the provenance rows of CRD_DIR/README.md (project, path, commit).

The openAPIV3Schema is used as it is (kubeconform reads it as JSON Schema draft 4),
except that `description` keywords are dropped (they are most of the bytes and
validate nothing) and `nullable: true` also allows null. The strict form adds
`additionalProperties: false` to every object schema that lists `properties` and sets
neither `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` (nor is an
`x-kubernetes-embedded-resource`). Subschemas of allOf/anyOf/oneOf/not are left open:
there `properties` only adds constraints to a subset of the fields.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tools" / "crd-schemas"
COMBINATORS = ("allOf", "anyOf", "oneOf", "not")
DROPPED = ("description",)
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


def convert(node, strict: bool, in_combinator: bool = False):
    """Copy of an OpenAPI v3 schema node, adjusted as described above."""
    if isinstance(node, list):
        return [convert(v, strict, in_combinator) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: convert(sub, strict) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = convert(value, strict)
        elif key in COMBINATORS:
            out[key] = convert(value, strict, in_combinator=True)
        elif key in DROPPED:
            continue
        else:
            out[key] = value
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if (strict and not in_combinator and "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
            and not out.get("x-kubernetes-embedded-resource")):
        out["additionalProperties"] = False
    return out


def crd_schemas(crd: dict):
    """Yield (group, kind, version, openAPIV3Schema) for each served version."""
    spec = crd["spec"]
    for version in spec["versions"]:
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if version.get("served", True) and schema:
            yield spec["group"], spec["names"]["kind"], version["name"], schema


def default_crd_dir() -> Path:
    return Path(os.environ.get("OTELGEN_CRDS_DIR") or REPO.parent / "shared" / "crds")


def provenance(crd_dir: Path) -> dict[str, dict[str, str]]:
    """file name -> {project, source path, commit} from the table in CRD_DIR/README.md
    (first column: file names, `{a,b}` expanded)."""
    readme = crd_dir / "README.md"
    rows: dict[str, dict[str, str]] = {}
    if not readme.exists():
        return rows
    header: list[str] = []
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or set("".join(cells)) <= set("-: "):
            continue
        if not header:
            header = [c.lower() for c in cells]
            continue
        pattern = cells[0]
        m = re.match(r"(.*)\{([^}]*)\}(.*)", pattern)
        names = [m.group(1) + alt + m.group(3) for alt in m.group(2).split(",")] if m else [pattern]
        for name in names:
            rows[name] = dict(zip(header[1:], cells[1:]))
    return rows


MODULES_FILE = REPO / "tools" / "crd-modules.txt"


def module_sources(listing: Path = MODULES_FILE) -> list[tuple[Path, dict[str, str]]]:
    """(CRD file, origin) for each MODULE@VERSION PATH line of tools/crd-modules.txt."""
    out = []
    if not listing.exists():
        return out
    for line in listing.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        module_version, rel = line.split()
        module, version = module_version.split("@", 1)
        env = {**os.environ, "GOFLAGS": "-mod=mod", "GOSUMDB": os.environ.get("GOSUMDB", "off")}
        done = subprocess.run(["go", "mod", "download", "-json", module_version], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
        info = json.loads(done.stdout or "{}")
        if done.returncode or info.get("Error") or not info.get("Dir"):
            raise SystemExit(f"error: go mod download {module_version} failed: {info.get('Error') or done.stderr.strip()}")
        origin = json.loads(Path(info["Info"]).read_text()).get("Origin") or {}
        out.append((Path(info["Dir"]) / rel, {
            "project": module.rsplit("/", 1)[-1], "module": module, "version": version,
            "moduleSum": info["Sum"], "source path": str(Path(rel).parent) + "/",
            "commit": origin.get("Hash", ""),
        }))
    return out


def main(argv: list[str]) -> int:
    if len(argv) > 1 or argv[:1] in (["-h"], ["--help"]):
        print(__doc__, file=sys.stderr)
        return 2
    crd_dir = Path(argv[0]) if argv else default_crd_dir()
    files = sorted(crd_dir.glob("*.yaml"))
    if not files:
        print(f"error: no *.yaml CRD files in {crd_dir} (give the directory, or set OTELGEN_CRDS_DIR)", file=sys.stderr)
        return 2
    origin = provenance(crd_dir)
    for path, where in module_sources():
        if path.name in {f.name for f in files}:
            print(f"error: {path.name} is both in {crd_dir} and in {MODULES_FILE.name}", file=sys.stderr)
            return 2
        files.append(path)
        origin[path.name] = where
    files.sort(key=lambda f: f.name)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".crds.", dir=OUT.parent))
    index = []
    try:
        for path in files:
            data = path.read_bytes()
            for doc in yaml.load_all(data, Loader=LOADER):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                for group, kind, version, schema in crd_schemas(doc):
                    rel = f"{group}/{kind.lower()}_{version}.json"
                    for layout, strict in (("standalone", False), ("standalone-strict", True)):
                        out = stage / layout / rel
                        out.parent.mkdir(parents=True, exist_ok=True)
                        out.write_text(json.dumps(convert(schema, strict), indent=1) + "\n")
                    annotations = doc.get("metadata", {}).get("annotations") or {}
                    index.append({
                        "schema": rel, "group": group, "kind": kind, "version": version,
                        "crd": doc["metadata"]["name"], "source": path.name,
                        "sourceSha256": hashlib.sha256(data).hexdigest(),
                        "sourceAnnotations": {k: v for k, v in sorted(annotations.items()) if k.endswith(("/version", "/bundle-version"))},
                        "origin": origin.get(path.name, {}),
                    })
                    print(f"  {group}/{kind} {version}", file=sys.stderr)
        if not index:
            print(f"error: no CustomResourceDefinition with a schema in {crd_dir}", file=sys.stderr)
            return 1
        (stage / "index.json").write_text(json.dumps({
            "generatedBy": "python3 tools/crd_schemas.py [CRD_DIR]  (make crd-schemas); do not edit",
            "from": "CustomResourceDefinition files as published (../shared/crds in the otelgen workspace, "
                    "and the Go modules in tools/crd-modules.txt); "
                    "description keywords dropped, nullable allows null, strict variant closes objects",
            "layout": "standalone{{ .StrictSuffix }}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
            "schemas": sorted(index, key=lambda e: e["schema"]),
        }, indent=1) + "\n")
        os.chmod(stage, 0o755)
        old = None
        if OUT.exists():
            old = Path(tempfile.mkdtemp(prefix=".crds.old.", dir=OUT.parent))
            os.rename(OUT, old / "crds")
        os.rename(stage, OUT)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    print(f"wrote {len(index)} CRD schemas (x2: standalone, standalone-strict) to {OUT.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
