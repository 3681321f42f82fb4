"""YAML in and out.

Input is parsed with the safe loader under limits (size, nodes, alias
expansion), so hostile files are refused with a clear message instead of
eating memory.  Output is serialised in exactly one place, deterministically:
insertion order is kept (builders decide the order), no anchors, block style,
multi-line strings as literal blocks.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from contextlib import contextmanager
from typing import Any, Iterator

import yaml

from otelgen.errors import SpecError, error

MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_utf8_text(text: str) -> bool:
    """False when ``text`` holds lone surrogates: undecodable bytes from argv
    (surrogateescape) or "\\ud800" escapes. No UTF-8 output can carry them."""
    return not _SURROGATE.search(text)


class LimitedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents with too many nodes or too deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig(f"more than {MAX_NODES} YAML nodes")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooBig(f"nesting deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_scalar(self, node):  # type: ignore[override]
        value = super().construct_scalar(node)
        if isinstance(value, str) and not is_utf8_text(value):
            # "\ud800" escapes decode to lone surrogates, which no UTF-8 output can hold
            raise yaml.constructor.ConstructorError(None, None, "a string holds an unpaired surrogate escape (\\uD800-\\uDFFF), which UTF-8 cannot encode", node.start_mark)
        return value

    def construct_document(self, node):  # type: ignore[override]
        _check_alias_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node)
        return super().construct_mapping(node, deep=deep)


class _TooBig(Exception):
    pass


class _Cycle(Exception):
    """An alias inside the node its anchor names: the data would contain itself."""

    def __init__(self, mark) -> None:
        super().__init__(mark)
        self.mark = mark


class _DuplicateKey(Exception):
    def __init__(self, key: str, mark, first) -> None:
        super().__init__(key)
        self.key, self.mark, self.first = key, mark, first


MERGE_TAG = "tag:yaml.org,2002:merge"


def _check_duplicate_keys(node: yaml.MappingNode) -> None:
    """The same scalar key twice in one mapping (merge keys ``<<`` aside: keys
    written next to a merge override it, as YAML defines)."""
    seen: dict[tuple[str, str], Any] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == MERGE_TAG:
            continue
        ident = (key_node.tag, key_node.value)
        if ident in seen:
            raise _DuplicateKey(key_node.value, key_node.start_mark, seen[ident])
        seen[ident] = key_node.start_mark


def _check_alias_expansion(root: yaml.Node) -> None:
    """Count nodes as if aliases were expanded; refuse alias bombs."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int = 0) -> int:
        key = id(node)
        if key in open_nodes:  # reached again from inside itself: a self-reference
            raise _Cycle(node.start_mark)
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise _TooBig(f"nesting deeper than {MAX_DEPTH} levels")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        open_nodes.discard(key)
        if total > MAX_NODES:
            raise _TooBig(f"aliases expand to more than {MAX_NODES} nodes")
        sizes[key] = total
        return total

    size(root)


def read_bounded(handle, limit: int = MAX_BYTES) -> bytes:
    """At most ``limit + 1`` bytes from a binary file object, in chunks into one
    preallocated buffer: memory never grows past ``limit + 1`` whatever the
    source (a device such as /dev/zero never ends, so the bound ends the read)."""
    buffer = bytearray(limit + 1)
    view = memoryview(buffer)
    filled = 0
    while filled <= limit:
        got = handle.readinto(view[filled:])
        if not got:
            break
        filled += got
    return bytes(view[:filled])


def read_input(path: str, hint: str = "check the path") -> tuple[bytes, str]:
    """The bytes of ``path`` (``-``: stdin) and the name to report it by.

    Every read is bounded (:func:`read_bounded`, MAX_BYTES + 1 at most), so a
    larger input is refused without reading the rest. Only regular files and
    stdin are read: a FIFO, a character or block device or a socket is refused
    before it is opened (E054), so a FIFO without a writer cannot hang the run
    and /dev/zero cannot feed it forever; pipe such a source into stdin (``-``)
    instead. SpecError (E002/E007/E054) otherwise."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            data = sys.stdin.read(MAX_BYTES + 1).encode("utf-8", "surrogateescape")
        else:
            data = read_bounded(stream)
        if len(data) > MAX_BYTES:
            raise SpecError([error("E002", [], f"<stdin> is larger than {MAX_BYTES} bytes", "split it or trim it")])
        return data, "<stdin>"
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a character device" if stat.S_ISCHR(info.st_mode) else "a block device" if stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file"
            raise SpecError([error("E054", [], f"{path} is {kind}, not a regular file", f"save it to a file, or pipe it into stdin (-)")])
        if info.st_size > MAX_BYTES:
            raise SpecError([error("E002", [], f"{path} is larger than {MAX_BYTES} bytes", "split it or trim it")])
        # O_NONBLOCK: should the path be swapped for a FIFO after the stat, open does not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise SpecError([error("E054", [], f"{path} is not a regular file", "save it to a file, or pipe it into stdin (-)")])
            data = read_bounded(handle)
        if len(data) > MAX_BYTES:
            raise SpecError([error("E002", [], f"{path} is larger than {MAX_BYTES} bytes", "split it or trim it")])
        return data, path
    except FileNotFoundError:
        raise SpecError([error("E007", [], f"file not found: {path}", hint)]) from None
    except IsADirectoryError:
        raise SpecError([error("E007", [], f"{path} is a directory, expected a YAML file", "pass the files themselves (e.g. dir/*.yaml)")]) from None
    except (RuntimeError, RecursionError):
        raise SpecError([error("E007", [], f"cannot read {path}: a symlink loop", "check the path")]) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SpecError([error("E007", [], f"cannot read {path}: {reason}", "check the path and permissions")]) from None


def decode(text: str | bytes, source: str) -> str:
    """The text of one input; SpecError when it is too large or not UTF-8."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise SpecError([error("E002", [], f"{source} is larger than {MAX_BYTES} bytes", "split it or trim it")])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError([error("E001", [], f"{source} is not UTF-8 text ({exc.reason} at byte {exc.start})", "save the file as UTF-8")]) from None
    if len(text) > MAX_BYTES:
        raise SpecError([error("E002", [], f"{source} is larger than {MAX_BYTES} bytes", "split it or trim it")])
    return text


@contextmanager
def parse_errors(source: str, line_offset: int = 0) -> Iterator[None]:
    """Every way parsing ``source`` with ``LimitedLoader`` can fail, as one
    SpecError (line numbers shifted by ``line_offset`` for embedded YAML)."""
    try:
        yield
    except _TooBig as exc:
        raise SpecError([error("E002", [], f"{source}: refused: {exc}", "YAML anchors/aliases and nesting are limited to keep parsing bounded")]) from None
    except _Cycle as exc:
        where = f" (line {exc.mark.line + 1 + line_offset}, column {exc.mark.column + 1})" if exc.mark else ""
        raise SpecError([error("E040", [], f"{source}: a YAML anchor{where} contains an alias to itself, so the data would contain itself without end", "repeat the settings instead of referring back to the anchor from inside it")]) from None
    except _DuplicateKey as exc:
        where = f" at line {exc.mark.line + 1 + line_offset}" if exc.mark else ""
        first = f" (first at line {exc.first.line + 1 + line_offset})" if exc.first else ""
        raise SpecError([error("E041", [], f"{source}: key {exc.key!r}{where} appears twice in one mapping{first}; YAML forbids it and tools disagree on which one wins", "keep one of them")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1 + line_offset}, column {mark.column + 1}" if mark else ""
        raise SpecError([error("E001", [], f"{source}: invalid YAML{where}: {exc.problem}", "check indentation and quoting")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        raise SpecError([error("E001", [], f"{source}: invalid YAML at character {exc.position}: {str(exc).splitlines()[0]}", "remove control characters; YAML files are printable text")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([error("E001", [], f"{source}: invalid YAML: {exc}", "check indentation and quoting")]) from None
    except RecursionError:
        raise SpecError([error("E002", [], f"{source}: refused: nesting too deep", "flatten the document")]) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # constructors of odd scalars: a timestamp like 2001-13-45, a huge float exponent
        raise SpecError([error("E001", [], f"{source}: invalid YAML value: {type(exc).__name__}: {str(exc)[:120]}", "quote the value to keep it a string")]) from None


def load_documents(text: str | bytes, source: str) -> list[Any]:
    """Parse every YAML document in ``text``; raise SpecError on anything unusable."""
    text = decode(text, source)
    with parse_errors(source):
        loader = LimitedLoader(text)
        try:
            docs = []
            while loader.check_data():
                docs.append(loader.get_data())
            return docs
        finally:
            loader.dispose()


def load_mapping(text: str | bytes, source: str) -> dict:
    """Parse a file that must hold exactly one mapping (empty file → {})."""
    docs = [d for d in load_documents(text, source) if d is not None]
    if not docs:
        return {}
    if len(docs) > 1:
        raise SpecError([error("E002", [], f"{source} holds {len(docs)} YAML documents, expected one", "pass each spec as its own -f file")])
    if not isinstance(docs[0], dict):
        raise SpecError([error("E002", [], f"{source} holds a {type(docs[0]).__name__}, expected a mapping", "a spec starts with apiVersion:, kind:, metadata:, spec:")])
    return docs[0]


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _dumper_class(base: type) -> type:
    """``base`` (SafeDumper or libyaml's CSafeDumper) with otelgen's output rules:
    no anchors, multi-line strings as literal blocks."""
    cls = type(f"_{base.__name__}", (base,), {"ignore_aliases": lambda self, data: True})
    cls.add_representer(str, _str_representer)
    return cls


#: libyaml's emitter when PyYAML has it (every PyYAML wheel does; ≈6x faster),
#: else the pure-Python one. Same bytes for rendered output; they differ only on
#: odd text that loads back the same (tests/test_yamlio.py says which).
PURE_DUMPER = _dumper_class(yaml.SafeDumper)
DUMPER = _dumper_class(yaml.CSafeDumper) if getattr(yaml, "__with_libyaml__", False) else PURE_DUMPER


def dump(data: Any, dumper: type = DUMPER) -> str:
    """Serialise one document; key order is the order the builders chose.

    With the default dumper, plain data (dicts, lists, scalars) goes through
    ``_FastEmitter``: the same bytes as PyYAML, without building PyYAML's node
    graph (each distinct scalar is still styled by PyYAML, once, and cached);
    anything it does not handle is dumped by PyYAML as before."""
    if dumper is DUMPER:
        try:
            return _FastEmitter().document(data)
        except _Unhandled:
            pass
    return _pyyaml_dump(data, dumper)


def _pyyaml_dump(data: Any, dumper: type = DUMPER) -> str:
    return yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)


def dump_all(documents: list[Any]) -> str:
    """A multi-document stream that ``kubectl apply -f -`` accepts."""
    return "".join("---\n" + dump(doc) for doc in documents)


# ---------------------------------------------------------------- fast emitter


class _Unhandled(Exception):
    """A value the fast emitter leaves to PyYAML (the whole document goes there)."""


#: PyYAML wraps scalars past this column (width=1000): lines that could get near it go to PyYAML
_SAFE_LINE = 900
_VALUES: dict[tuple[type, Any], tuple[str, list[str] | None]] = {}
_KEYS: dict[tuple[type, Any], str] = {}
_CACHE_MAX = 100_000


def _remember(cache: dict[Any, Any], key: Any, found: Any) -> Any:
    """Store ``found`` under ``key`` in a bounded cache (emptied when full); returns ``found``."""
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = found
    return found


def _value_text(value: Any) -> tuple[str, list[str] | None]:
    """How PyYAML writes ``value`` after ``key: ``: (inline text, None) or, for a
    block scalar, (header such as ``|-``, its lines relative to the content indent)."""
    key = (type(value), repr(value) if type(value) is float else value)  # 0.0 == -0.0
    found = _VALUES.get(key)
    if found is None:
        out = _pyyaml_dump({"k": value})
        if not out.startswith("k: "):
            raise _Unhandled
        first, _, rest = out[3:].partition("\n")
        if not rest:
            found = (first, None)
        elif first[:1] in ("|", ">") and rest.endswith("\n"):
            lines = rest[:-1].split("\n")
            if not all(line == "" or line.startswith("  ") for line in lines):
                raise _Unhandled
            found = (first, [line[2:] for line in lines])
        else:
            raise _Unhandled  # e.g. a quoted scalar PyYAML folds over lines
        _remember(_VALUES, key, found)
    return found


def _key_text(value: Any) -> str:
    key = (type(value), repr(value) if type(value) is float else value)
    found = _KEYS.get(key)
    if found is None:
        out = _pyyaml_dump({value: 0})
        if not out.endswith(": 0\n") or out.count("\n") != 1 or out.startswith("? "):
            raise _Unhandled
        found = _remember(_KEYS, key, out[:-4])
    return found


def _scalar(value: Any) -> tuple[str, list[str] | None]:
    kind = type(value)
    if kind is str:
        found = _STR_VALUES.get(value)
        if found is None:
            found = _remember(_STR_VALUES, value, _value_text(value))
        return found
    if kind is bool:
        return ("true" if value else "false"), None
    if kind is int:
        return str(value), None
    if value is None:
        return "null", None
    if kind is float:
        return _value_text(value)
    raise _Unhandled


_STR_VALUES: dict[str, tuple[str, list[str] | None]] = {}
_STR_KEYS: dict[str, str] = {}


def _key(value: Any) -> str:
    if type(value) is str:
        found = _STR_KEYS.get(value)
        if found is None:
            found = _remember(_STR_KEYS, value, _key_text(value))
        return found
    return _key_text(value)


class _FastEmitter:
    """Block-style YAML as PyYAML's emitter writes it with otelgen's settings
    (indent 2, sequences in mappings not indented, ``{}``/``[]`` for empties).
    Lines that could reach PyYAML's wrapping width send the document to PyYAML."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.write = self.out.append

    def document(self, data: Any) -> str:
        kind = type(data)
        if kind is dict and data:
            self.mapping(data, 0, "")
        elif kind is list and data:
            self.sequence(data, 0, "")
        else:
            raise _Unhandled  # top-level scalars and empties: rare, PyYAML adds markers
        text = "".join(self.out)
        if len(text) > _SAFE_LINE and max(map(len, text.split("\n"))) > _SAFE_LINE:
            raise _Unhandled
        return text

    def value(self, prefix: str, value: Any, indent: int) -> None:
        """``prefix`` (``key:`` or ``-``) then ``value``, whose collection is at ``indent``."""
        kind = type(value)
        if kind is dict:
            if value:
                self.write(prefix + "\n")
                self.mapping(value, indent + 2, "")
            else:
                self.write(prefix + " {}\n")
        elif kind is list:
            if value:
                self.write(prefix + "\n")
                self.sequence(value, indent, "")
            else:
                self.write(prefix + " []\n")
        else:
            text, block = _scalar(value)
            self.write(prefix + " " + text + "\n")
            if block is not None:
                pad = " " * (indent + 2)
                for raw in block:
                    self.write(pad + raw + "\n" if raw else "\n")

    def mapping(self, data: dict, indent: int, first: str) -> None:
        """A block mapping at column ``indent``; ``first``: what precedes the first key
        on its line (``- `` markers), else the key starts a new indented line."""
        pad = " " * indent
        lead = first or pad
        write = self.write
        str_keys, str_values = _STR_KEYS, _STR_VALUES
        for key, value in data.items():
            text = str_keys.get(key) if type(key) is str else None
            prefix = lead + (text if text is not None else _key(key)) + ":"
            lead = pad
            kind = type(value)
            if kind is str:
                found = str_values.get(value)
                if found is not None and found[1] is None:
                    write(prefix + " " + found[0] + "\n")
                    continue
            elif kind is int:
                write(prefix + " " + str(value) + "\n")
                continue
            elif kind is list and value:
                write(prefix + "\n")
                self.sequence(value, indent, "")
                continue
            elif kind is dict and value:
                write(prefix + "\n")
                self.mapping(value, indent + 2, "")
                continue
            self.value(prefix, value, indent)

    def sequence(self, data: list, indent: int, first: str) -> None:
        pad = " " * indent
        lead = first or pad
        for item in data:
            marker = lead + "-"
            lead = pad
            kind = type(item)
            if kind is dict and item:
                self.mapping(item, indent + 2, marker + " ")
            elif kind is list and item:
                self.sequence(item, indent + 2, marker + " ")
            else:
                self.value(marker, item, indent)
