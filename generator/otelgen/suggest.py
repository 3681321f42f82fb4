"""The one did-you-mean of otelgen: errors (E003, E010, E016, E030, ...), lint
findings (OTG004, OTG100) and import errors suggest the closest known name with
the same rule.

Cut-off: :data:`CUTOFF` = 0.6, difflib's own default similarity ratio
(2·matches / total length). Below it the "closest" name shares too little to
be a typo of the word: for ``otlp/bakend`` against ``otlp`` (ratio 0.53) no
suggestion is better than a wrong one, while ``batchh`` → ``batch`` (0.91),
``endpont`` → ``endpoint`` (0.93) and ``otlp/bakend`` → ``otlp/backend`` (0.96)
are found.
"""

from __future__ import annotations

import difflib
from typing import Iterable

#: similarity ratio (0..1) a known name needs to be suggested
CUTOFF = 0.6


def closest(word: str, options: Iterable[str]) -> str | None:
    """The known name closest to ``word`` (at least :data:`CUTOFF` alike), or None."""
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=CUTOFF)
    return found[0] if found else None


def did_you_mean(word: str, options: Iterable[str], before: str = "", after: str = "") -> str:
    """``{before}did you mean 'name'?{after}`` for the closest name, or '' when none is close."""
    found = closest(word, options)
    return f"{before}did you mean {found!r}?{after}" if found is not None else ""
