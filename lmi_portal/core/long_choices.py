"""Select lists with hundreds of options, such as "every organisation", at the cost of a few.

The filter bars of the initiatives list, the board, the knowledge library and the people
directory offer every organisation the user may see: a thousand at programme scale. Django
builds a model instance, an option dictionary and a template render per option, which cost the
board more than everything else on it together. Here the options come from one ``values_list``
query and are written out in Python, with exactly the markup of
``templates/django/forms/widgets/select.html`` (``tests/core/test_long_choices.py`` compares the
two). Validation is unchanged: the chosen value is still looked up in the field's queryset.
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
        selected_values = set(self.format_value(value))
        has_selected = False
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            if isinstance(option_label, list | tuple):
                parts.append(format_html('<optgroup label="{}">', option_value))
                group = option_label
            else:
                group = [(option_value, option_label)]
            for sub_value, sub_label in group:
                text = "" if sub_value is None else str(sub_value)
                selected = (
                    not has_selected or self.allow_multiple_selected
                ) and text in selected_values
                has_selected |= selected
                parts.append(
                    f'<option value="{_escape(text)}"'
                    f"{' selected' if selected else ''}>{_escape(sub_label)}</option>"
                )
            if isinstance(option_label, list | tuple):
                parts.append("</optgroup>")
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
