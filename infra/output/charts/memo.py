"""Charts kept in the process by what they are drawn from.

A chart is a pure function of its arguments and the active language (its few words
are translated): the same arguments in the same language draw the same SVG. A dashboard
opened again draws the same bars from the same figures (the official's fifty schools,
the analyst's twenty municipalities), which took about a millisecond of CPU a chart;
`remembered` hands back the SVG drawn before instead. The key is the whole input
written out (`repr` of every argument; a lazy translation's is its text) and the
language, so a chart can never be stale: any change of a label, a value, an option or
the language is another key. An argument whose `repr` names an object's address rather
than its value is no key: such a chart is drawn afresh. The process keeps the latest
MAX_CHARTS charts (a dashboard's chart is a few kilobytes).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict

from django.utils import translation

MAX_CHARTS = 256

_charts: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def remembered(draw):
    """`draw` (a chart function returning SVG text) with its results kept by their
    whole input and the language (see the module's docstring)."""

    @functools.wraps(draw)
    def drawn(*args, **kwargs):
        written = repr((args, sorted(kwargs.items())))
        if " at 0x" in written:
            return draw(*args, **kwargs)
        key = (draw.__module__, draw.__qualname__, translation.get_language(), written)
        with _lock:
            svg = _charts.get(key)
            if svg is not None:
                _charts.move_to_end(key)
                return svg
        svg = draw(*args, **kwargs)
        with _lock:
            _charts[key] = svg
            while len(_charts) > MAX_CHARTS:
                _charts.popitem(last=False)
        return svg

    return drawn
