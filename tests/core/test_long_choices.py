"""Long select lists (``lmi_portal.core.long_choices``): the same markup as Django's template
widget, the same validation, one query for a thousand options."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.forms.renderers import get_default_renderer
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.safestring import mark_safe

from initiatives.forms_browse import InitiativeFilterForm
from lmi_portal.core.long_choices import NameModelChoiceField, SelectWidget
from partners.models import Organisation
from tests.factories import OrganisationFactory

HOSTILE = "<script>alert('x')</script> & \"Co\""
CHOICES = [
    ("", "Alle organisaties"),
    ("1", "Van Halteren Defence"),
    (2, HOSTILE),
    ("3", mark_safe("<b>al veilig</b>")),  # a label that is already markup
    ("Groep", [("4", "Vier"), ("5", "Vijf")]),
    (None, "Geen"),
]


def both(value, attrs=None, widget_attrs=None, choices=CHOICES, multiple=False):
    base = forms.SelectMultiple if multiple else forms.Select
    fast_class = type("SelectWidget", (SelectWidget,), {"allow_multiple_selected": multiple})
    template = base(attrs=widget_attrs, choices=choices)
    fast = fast_class(attrs=widget_attrs, choices=choices)
    renderer = get_default_renderer()
    expected = template.render("organisation", value, attrs=attrs, renderer=renderer)
    return expected, fast.render("organisation", value, attrs=attrs, renderer=renderer)


@pytest.mark.parametrize(
    ("value", "attrs", "widget_attrs"),
    [
        (None, None, None),
        ("", {"id": "id_organisation"}, None),
        ("1", {"id": "id_organisation", "required": True, "disabled": False}, None),
        (2, {"aria-describedby": 'uitleg" onmouseover="x'}, {"class": "form-select-sm"}),
        ("5", {"id": "x"}, {"class": "form-select"}),
        ("bestaat-niet", None, None),
        (HOSTILE, None, None),
    ],
)
def test_markup_equals_the_template_widget(value, attrs, widget_attrs):
    expected, fast = both(value, attrs, widget_attrs)
    assert fast == expected
    assert "<script>" not in fast


def test_multiple_selection_matches_too():
    expected, fast = both(["1", "4"], {"id": "m"}, multiple=True)
    assert fast == expected
    assert fast.count(" selected") == 2


def test_only_the_first_of_equal_values_is_selected_in_a_single_select():
    choices = [("1", "Een"), ("1", "Nog een")]
    expected, fast = both("1", choices=choices)
    assert fast == expected
    assert fast.count(" selected") == 1


class _Form(forms.Form):
    organisation = NameModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False, empty_label="Alle"
    )


@pytest.mark.django_db
def test_the_field_renders_every_organisation_in_one_query():
    for n in range(30):
        OrganisationFactory(name=f"Bedrijf {n:02d}")
    form = _Form()
    with CaptureQueriesContext(connection) as queries:
        html = str(form["organisation"])
    assert len(queries) == 1
    assert html.count("<option") == Organisation.objects.count() + 1
    plain = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), required=False, empty_label="Alle"
    )
    assert html == str(forms.BoundField(form, plain, "organisation"))


@pytest.mark.django_db
def test_the_field_validates_against_its_queryset():
    kept = OrganisationFactory(name="Zichtbaar")
    hidden = OrganisationFactory(name="Onzichtbaar")

    class Limited(forms.Form):
        organisation = NameModelChoiceField(queryset=Organisation.objects.filter(pk=kept.pk))

    good = Limited({"organisation": str(kept.pk)})
    assert good.is_valid() and good.cleaned_data["organisation"] == kept
    bad = Limited({"organisation": str(hidden.pk)})
    assert not bad.is_valid() and "organisation" in bad.errors
    assert "Onzichtbaar" not in str(bad["organisation"])


@pytest.mark.django_db
def test_filter_bars_still_show_the_organisation_select(client, member, company):
    form = InitiativeFilterForm(None, user=member)
    assert form["organisation"].widget_type == "select"
    client.force_login(member)
    for name in ("initiatives:list", "initiatives:board", "knowledge:index"):
        html = client.get(reverse(name), {"organisation": company.pk}).content.decode()
        assert 'name="organisation"' in html, name
        assert f'<option value="{company.pk}" selected>' in html, name


def test_kept_options_follow_the_language_and_the_kind_of_label():
    """The options' markup is kept per list, keyed on the labels as shown: a lazy label in
    another language, or the same text as markup, is another list."""
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    choices = [("", gettext_lazy("Alle organisaties")), ("1", "Een")]
    widget = SelectWidget(choices=choices)
    with translation.override("nl"):
        dutch = widget.render("o", "1")
    with translation.override("en"):
        english = widget.render("o", "")
    assert "Alle organisaties" in dutch and '<option value="1" selected>' in dutch
    assert "All organisations" in english and '<option value="1">' in english
    plain = SelectWidget(choices=[("1", "<b>x</b>")]).render("o", None)
    marked = SelectWidget(choices=[("1", mark_safe("<b>x</b>"))]).render("o", None)
    assert "&lt;b&gt;x&lt;/b&gt;" in plain and "<b>x</b>" in marked


@pytest.mark.django_db
def test_short_lists_come_in_one_plain_query_and_keep_their_labels(member):
    from lmi_portal.core.models import Theme

    Theme.objects.create(slug="zz-rupsen", name_nl="Rupsen", name_en="Tracks", position=99)
    form = InitiativeFilterForm({"theme": ""}, user=member)
    with CaptureQueriesContext(connection) as queries:
        html = str(form["theme"])
    theme_queries = [q["sql"] for q in queries if "core_theme" in q["sql"]]
    # No server-side cursor (DECLARE … FETCH … CLOSE on PostgreSQL) for a short list.
    assert len(theme_queries) == 1 and "DECLARE" not in theme_queries[0]
    assert ">Rupsen</option>" in html and ">Alle thema&#x27;s</option>" in html
    assert form.is_valid()
