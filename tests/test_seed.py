import pytest
from django.core.management import call_command

from initiatives.models import Initiative
from lmi_portal.core.models import AuditEvent
from partners.models import TLP, Membership, Organisation, SharingGroup, User

pytestmark = pytest.mark.django_db

MODELS = [Organisation, User, Membership, SharingGroup, Initiative]


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_seed_demo_is_idempotent():
    call_command("seed_demo", verbosity=0)
    first = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == first
    assert first["Organisation"] >= 10
    assert Organisation.objects.filter(name="Scania Nederland").exists()


def test_seed_demo_has_every_role_and_tlp_level():
    call_command("seed_demo", verbosity=0)
    roles = set(User.objects.values_list("portal_role", flat=True))
    assert roles == {"admin", "programme_manager", "member"}
    assert set(Initiative.objects.values_list("tlp", flat=True)) == set(TLP.values)
    assert (
        Membership.objects.filter(role="org_admin").values("organisation").distinct().count() >= 2
    )
    # Demo accounts sign in at once: verified email addresses.
    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.filter(verified=True).count() == User.objects.count()
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_seed_scale_makes_the_requested_sizes_and_tops_up():
    call_command("seed_scale", organisations=5, people=20, initiatives=15, verbosity=0)
    assert Organisation.objects.filter(name__startswith="Schaalorganisatie").count() == 5
    assert User.objects.filter(email__endswith="@scale.example").count() == 20
    assert Initiative.objects.count() == 15
    call_command("seed_scale", organisations=5, people=20, initiatives=30, verbosity=0)
    assert Initiative.objects.count() == 30
    assert User.objects.filter(email="bench@bench.example").count() == 1
