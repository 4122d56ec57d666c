"""The HTML of unbound forms kept in the cache, keyed by everything it is made of."""

from __future__ import annotations

import hashlib

from django import forms
from django.core.cache import cache
from django.utils import translation
from django.utils.safestring import mark_safe

from infra.digest import queryset_digests

TIMEOUT = 24 * 3600


def _field_spec(name: str, field: forms.Field) -> tuple:
    """What a field writes into the HTML besides the rows of its queryset."""
    widget = field.widget
    choices = ()
    if not isinstance(field, forms.ModelChoiceField):
        choices = tuple((str(v), str(label)) for v, label in getattr(widget, "choices", ()))
    return (
        name,
        type(field).__qualname__,
        str(field.label),
        str(field.help_text),
        field.required,
        field.disabled,
        field.show_hidden_initial,
        field.localize,
        repr(field.initial),
        type(widget).__qualname__,
        repr(sorted((k, str(v)) for k, v in widget.attrs.items())),
        getattr(widget, "input_type", None),
        choices,
        getattr(field, "empty_label", None) and str(field.empty_label),
    )


def form_key(form: forms.Form) -> str:
    """The cache key of one unbound form's HTML (form_keys)."""
    return form_keys([form])[0]


def form_keys(forms_: list[forms.Form]) -> list[str]:
    """A key of each unbound form's HTML: the language, the form's class and options,
    each field as declared for this user (label, choices, initial, widget), and for each
    model choice field the SQL of its queryset (the user's scope is in its
    parameters) and a digest of every column of the rows it reads
    (infra.digest.queryset_digests, one query for all the forms). The labels of a model
    choice field must be made of those rows only (select_related, no lazy lookups), so
    any change to a label changes the digest."""
    language = translation.get_language() or ""
    parts_of, querysets, compiled = [], [], []
    for form in forms_:
        parts = [
            language,
            f"{type(form).__module__}.{type(form).__qualname__}",
            repr(
                (
                    form.prefix,
                    form.auto_id,
                    form.label_suffix,
                    sorted(map(str, form.initial.items())),
                )
            ),
            repr(form.use_required_attribute),
        ]
        for name, field in form.fields.items():
            parts.append(repr(_field_spec(name, field)))
            if isinstance(field, forms.ModelChoiceField):
                sql, params = field.queryset.query.sql_with_params()
                parts += [sql, repr(params), len(querysets)]  # the digest's place
                querysets.append(field.queryset)
                compiled.append((sql, params))
        parts_of.append(parts)
    digests = queryset_digests(querysets, compiled)
    keys = []
    for parts in parts_of:
        text = "\x1f".join(digests[p] if isinstance(p, int) else p for p in parts)
        keys.append(f"formhtml:{hashlib.sha256(text.encode()).hexdigest()}")
    return keys


def forms_as_p_cached(forms_: list[forms.Form], *, prepare=None) -> list[str]:
    """`form.as_p()` of each unbound form of `forms_`, from the cache when a form
    of the same key (form_key) was written before; `prepare(missing)` is called on
    the forms to render first (to read their choices at once)."""
    keys = form_keys(forms_)
    found = cache.get_many(keys)
    missing = [form for form, key in zip(forms_, keys, strict=True) if key not in found]
    if missing and prepare is not None:
        prepare(*missing)
    written = {}
    out = []
    for form, key in zip(forms_, keys, strict=True):
        if key in found:
            out.append(mark_safe(found[key]))  # noqa: S308 - written by as_p below
            continue
        html = str(form.as_p())
        written[key] = html
        out.append(mark_safe(html))  # noqa: S308 - Django's own escaped output
    if written:
        cache.set_many(written, TIMEOUT)
    return out
