import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from initiatives import services
from lmi_portal.core.models import Activity, AuditEvent
from partners.access import can_view
from partners.models import TLP

pytestmark = pytest.mark.django_db


def test_create_records_audit_and_activity(member, company):
    initiative = services.initiative_create(
        actor=member, owner_organisation=company, title="  Slim plannen ", summary="Kort."
    )
    assert initiative.title == "Slim plannen"
    assert initiative.lead == member
    assert AuditEvent.objects.filter(
        action="initiative.created", target_id=str(initiative.pk)
    ).exists()
    assert Activity.objects.filter(verb="initiative.created", target_id=initiative.pk).exists()


def test_red_item_always_names_its_creator(member, company):
    initiative = services.initiative_create(
        actor=member, owner_organisation=company, title="Rood", summary="x", tlp=TLP.RED
    )
    assert list(initiative.shared_with_people.all()) == [member]
    assert can_view(member, initiative)


def test_cannot_post_for_an_organisation_one_is_not_in(member, competitor):
    with pytest.raises(PermissionDenied):
        services.initiative_create(
            actor=member, owner_organisation=competitor, title="Niet van mij", summary="x"
        )


def test_invalid_input_saves_nothing(member, company):
    from initiatives.models import Initiative

    with pytest.raises(ValidationError):
        services.initiative_create(
            actor=member, owner_organisation=company, title="", summary="x", phase="onzin"
        )
    assert not Initiative.objects.exists()
