"""Server-made SVG charts (see `svg` for what every chart promises), by kind."""

from .bars import grouped_bars, horizontal_bars, stacked_bars
from .histogram import score_histogram
from .lines import line_chart
from .profile import task_profile
from .svg import fmt_number, fmt_percent

__all__ = [
    "fmt_number",
    "fmt_percent",
    "grouped_bars",
    "horizontal_bars",
    "line_chart",
    "score_histogram",
    "stacked_bars",
    "task_profile",
]
