"""Select lists with hundreds of options, such as "every organisation", at the cost of a few.

The filter bars of the initiatives list, the board, the knowledge library and the people
directory offer every organisation the user may see: a thousand at programme scale. Django
builds a model instance, an option dictionary and a template render per option, which cost the
board more than everything else on it together. Here the options come from one ``values_list``
query and are written out in Python, with exactly the markup of
``templates/django/forms/widgets/select.html`` (``tests/core/test_long_choices.py`` compares the
two). Validation is unchanged: the chosen value is still looked up in the field's queryset.

Each process also keeps the options' markup of the lists it has drawn, keyed on every value
and label, so a list that has not changed is not escaped and joined again: only the chosen
option is marked on the way out.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import BaseRenderer
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _escape(value: Any) -> str:
    """``conditional_escape`` without its overhead, which counts at a thousand options."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


# The options' markup per list of options (see ``_options_markup``); cleared when it grows past
# this many lists (one per language and choice of organisations, so a handful in practice).
_OPTIONS_KEPT = 64
_options: dict[tuple[Any, ...], str] = {}


def _label_key(label: Any) -> tuple[str, bool]:
    # The text as shown now (a lazy label in this request's language), and whether it is
    # markup already: the same text escapes differently when it is.
    return str(label), hasattr(label, "__html__")


def _options_markup(choices: Any) -> str:
    """The ``<option>`` and ``<optgroup>`` markup of ``choices``, none selected."""
    # A model field's choices are a query: run it once (and without the count that list()
    # would ask its length for).
    choices = list(iter(choices))
    flat: list[tuple[Any, ...]] = []
    for option_value, option_label in choices:
        value = "" if option_value is None else option_value
        if isinstance(option_label, list | tuple):
            group = tuple(
                ("" if v is None else str(v), *_label_key(lbl)) for v, lbl in option_label
            )
            flat.append((str(value), group))
        else:
            flat.append((str(value), *_label_key(option_label)))
    key = tuple(flat)
    markup = _options.get(key)
    if markup is None:
        parts: list[str] = []
        for option_value, option_label in choices:
            if isinstance(option_label, list | tuple):
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(_option(value, label) for value, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(_option(option_value, option_label))
        markup = "".join(parts)
        if len(_options) >= _OPTIONS_KEPT:
            _options.clear()
        _options[key] = markup
    return markup


def _option(value: Any, label: Any) -> str:
    text = "" if value is None else str(value)
    return f'<option value="{_escape(text)}">{_escape(label)}</option>'


class SelectWidget(forms.Select):
    """A ``<select>`` rendered without the template engine, with the same markup. (The name
    keeps ``BoundField.widget_type`` at "select", which the filter templates look for.)"""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        extra_class = final_attrs.get("class")
        parts: list[str] = [
            format_html(
                '<select name="{}" class="form-select{}"',
                name,
                f" {extra_class}" if extra_class else "",
            )
        ]
        for attr, attr_value in final_attrs.items():
            if attr == "class" or attr_value is False:
                continue
            if attr_value is True:
                parts.append(format_html(" {}", attr))
            else:
                parts.append(format_html(' {}="{}"', attr, attr_value))
        parts.append(">")
        options = _options_markup(self.choices)
        # The chosen options, as Django marks them: in a single select only the first option
        # with the value. No label holds "<option" (labels are escaped).
        for chosen in set(self.format_value(value)):
            plain = f'<option value="{_escape(chosen)}">'
            marked = f'<option value="{_escape(chosen)}" selected>'
            options = options.replace(plain, marked, -1 if self.allow_multiple_selected else 1)
        parts.append(options)
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


class _NameChoiceIterator(ModelChoiceIterator):
    """``(pk, label)`` pairs straight from the database: no model instances."""

    field: NameModelChoiceField

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.field.to_field_name or "pk"
        yield from self.queryset.values_list(key, self.field.label_field)


class NameModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose options show one column (``label_field``, by default
    ``name``) of a long queryset, in the queryset's order."""

    iterator = _NameChoiceIterator
    widget = SelectWidget

    def __init__(self, *args: Any, label_field: str = "name", **kwargs: Any) -> None:
        self.label_field = label_field
        super().__init__(*args, **kwargs)


class _ListChoiceIterator(ModelChoiceIterator):
    """The options in one plain query. Django's iterator reads them through a server-side
    cursor on PostgreSQL (three round trips, and a result held to the end of the
    transaction), which pays off for millions of rows, not for a list of themes."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` for a short list (themes, systems) in a filter bar."""

    iterator = _ListChoiceIterator
    widget = SelectWidget
