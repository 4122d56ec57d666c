"""Form widgets that write the same HTML as Django's with less work."""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False drops the attribute, True writes its name.
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class FastSelect(forms.Select):
    """forms.Select whose options are written in Python, not through a template each:
    the same HTML (tests/schools/test_widgets.py compares them), a fraction of the
    time for a list of a hundred schools or roadmaps."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def choices_read_once(*forms_) -> None:
    """Give each model choice field of `forms_` the list of its choices, read by one
    plain query, for its widget to render: a ModelChoiceField's widget otherwise runs
    its queryset through a server-side cursor (DECLARE, FETCH, CLOSE on PostgreSQL)
    once to see whether the first choice is empty and again for the options. The
    field still validates against its queryset."""
    for form in forms_:
        for field in form.fields.values():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            iterator = field.iterator(field)
            choices = [] if field.empty_label is None else [("", field.empty_label)]
            choices += [iterator.choice(obj) for obj in field.queryset]
            field.widget.choices = choices
