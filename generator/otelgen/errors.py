"""Problems found in user input.

Every problem carries a stable ID, the path into the spec where it was found,
what was expected and a hint.  Errors stop a render (exit code 2); warnings are
printed and rendering goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

PathPart = str | int


def printable(text: str) -> str:
    """``text`` with every non-printable character (line breaks such as ``\\n``,
    ``\\x1e`` or ``\\u2028`` among them) written as its Python escape, so a
    problem built from user input stays one readable line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def github_data(value: str) -> str:
    """``value`` escaped as the message of a GitHub workflow command (``::error ...::MESSAGE``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(value: str) -> str:
    """``value`` escaped as a property of a workflow command (``file=``, ``title=``):
    the message escapes plus ``:`` and ``,``, which end a property."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def format_path(parts: Sequence[PathPart]) -> str:
    """Render ``("spec", "pipelines", "traces", "exporters", 1)`` as
    ``spec.pipelines.traces.exporters[1]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out or "(document)"


@dataclass(frozen=True)
class Problem:
    id: str
    path: tuple[PathPart, ...]
    message: str
    hint: str = ""
    severity: str = "error"  # "error" | "warning"
    source: str = ""  # file the problem was found in, when known

    def render(self) -> str:
        where = format_path(self.path)
        prefix = f"{self.source}: " if self.source else ""
        text = f"{self.severity} {self.id} {prefix}{where}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return printable(text)


def error(id: str, path: Iterable[PathPart], message: str, hint: str = "") -> Problem:
    return Problem(id, tuple(path), message, hint, "error")


def warning(id: str, path: Iterable[PathPart], message: str, hint: str = "") -> Problem:
    return Problem(id, tuple(path), message, hint, "warning")


@dataclass
class SpecError(Exception):
    """Raised when input cannot be used; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class Collector:
    """Accumulates problems so one run reports all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise SpecError(self.errors)
