"""The capped pager of the big lists: it counts up to its cap, then says "more than"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives.models import Initiative
from knowledge.models import KnowledgeItem
from lmi_portal.core.paging import CappedPaginator
from partners.models import TLP, Organisation
from tests.factories import (
    AffiliationFactory,
    InitiativeFactory,
    KnowledgeItemFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def test_below_the_cap_the_count_is_exact():
    for n in range(3):
        OrganisationFactory(name=f"Telbedrijf {n}")
    rows = Organisation.objects.filter(name__startswith="Telbedrijf").order_by("name")
    paginator = CappedPaginator(rows, 2, cap=3)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, False, 2)
    paginator = CappedPaginator(rows, 2, cap=5)
    assert (paginator.count, paginator.capped) == (3, False)


def test_past_the_cap_it_stops_counting_and_pages_through_the_first_rows():
    for n in range(5):
        OrganisationFactory(name=f"Telbedrijf {n}")
    rows = Organisation.objects.filter(name__startswith="Telbedrijf").order_by("name")
    paginator = CappedPaginator(rows, 2, cap=3)
    with CaptureQueriesContext(connection) as queries:
        assert (paginator.count, paginator.capped, paginator.num_pages) == (3, True, 2)
    assert len(queries) == 1
    # The count reads keys only, in no order, and stops after the cap.
    sql = queries[0]["sql"]
    assert "LIMIT 4" in sql and "ORDER BY" not in sql
    last = paginator.get_page(99)
    assert last.number == 2
    assert [o.name for o in last.object_list] == ["Telbedrijf 2"]


def test_library_initiatives_and_people_say_more_than_the_cap(client, member, company, monkeypatch):
    monkeypatch.setattr("lmi_portal.core.paging.LIST_COUNT_CAP", 2)
    monkeypatch.setattr("knowledge.views.library.PAGE_SIZE", 1)
    monkeypatch.setattr("initiatives.views.browse.PAGE_SIZE", 1)
    for n in range(3):
        KnowledgeItemFactory(title=f"Telitem {n}", owner_organisation=company, tlp=TLP.GREEN)
        InitiativeFactory(title=f"Telinitiatief {n}", owner_organisation=company, tlp=TLP.GREEN)
    assert KnowledgeItem.objects.count() == Initiative.objects.count() == 3
    client.force_login(member)
    library = client.get(reverse("knowledge:index")).content.decode()
    assert "Meer dan 2 kennisitems. Verfijn met de filters" in library
    assert "Pagina 1 van meer dan 2" in library
    initiatives = client.get(reverse("initiatives:list")).content.decode()
    assert "Meer dan 2 initiatieven. Verfijn met de filters" in initiatives
    assert "Pagina 1 van meer dan 2" in initiatives
    for n in range(3):
        AffiliationFactory(person=PersonFactory(last_name=f"Telpersoon{n}"), organisation=company)
    monkeypatch.setattr("network.views.people.PAGE_SIZE", 1)
    people = client.get(reverse("network:index")).content.decode()
    assert "Meer dan 2 personen. Verfijn met de filters" in people
    # A filter that leaves fewer than the cap counts exactly again.
    exact = client.get(reverse("knowledge:index"), {"q": "Telitem 1"}).content.decode()
    assert "1 kennisitem" in exact and "Meer dan" not in exact
