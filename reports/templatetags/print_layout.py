"""Column widths of the document tables as classes (static/css/print/base.css), so
that no page carries an inline style attribute (the CSP allows none)."""

import math

from django import template

register = template.Library()


@register.filter
def width_class(percent) -> str:
    """`w-N`: N whole percent, rounded down so that a row's columns never pass 100 %;
    the table's fixed layout hands what is left over to the columns."""
    try:
        value = math.floor(float(percent))
    except (TypeError, ValueError):
        return ""
    return f"w-{min(max(value, 1), 100)}"
