import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from initiatives.models import Initiative
from lmi_portal.core.models import AuditEvent
from network.models import Affiliation, ContinuityRun, NetworkSnapshot, Person, Tie
from partners.models import (
    TLP,
    CommonUnderstandingAcceptance,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    OrganisationDomain,
    SharingGroup,
    User,
)
from partners.selectors_beheer import onboarding_board, onboarding_rows
from partners.services.onboarding import Step

pytestmark = pytest.mark.django_db

MODELS = [
    Organisation,
    User,
    Membership,
    SharingGroup,
    Initiative,
    OrganisationDomain,
    Invitation,
    JoinRequest,
    EmailAddress,
    Authenticator,
    CommonUnderstandingAcceptance,
    Person,
    Tie,
    Affiliation,
    NetworkSnapshot,
    ContinuityRun,
]


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


def test_seed_demo_has_a_company_stuck_in_onboarding_and_an_invited_one():
    call_command("seed_demo", verbosity=0)
    rows = {row.organisation.name: row for row in onboarding_rows(onboarding_board())}
    veldwerk = rows["Veldwerk Robotics B.V."]
    assert veldwerk.organisation.status == Organisation.Status.ONBOARDING
    assert veldwerk.checklist.current.step == Step.MFA
    assert veldwerk.stuck
    noordzee = rows["Noordzee Aandrijftechniek B.V."]
    assert noordzee.organisation.status == Organisation.Status.INVITED
    assert noordzee.checklist.current.step == Step.INVITATION_ACCEPTED
    assert Invitation.objects.open().filter(organisation=noordzee.organisation).count() == 1
    # The demo's active organisations are past onboarding: nothing else stands out.
    assert [name for name, row in rows.items() if row.stuck] == ["Veldwerk Robotics B.V."]


def test_seed_demo_has_a_pending_join_request_from_a_verified_address_at_a_registered_domain():
    call_command("seed_demo", verbosity=0)
    request = JoinRequest.objects.get(email="noah.degroot@ddvs.example")
    assert request.status == JoinRequest.Status.PENDING
    domain = request.email.rsplit("@", 1)[1]
    assert OrganisationDomain.objects.get(domain=domain).organisation == request.organisation
    assert EmailAddress.objects.filter(
        user=request.user, email=request.email, verified=True
    ).exists()
    assert not Membership.objects.filter(user=request.user).exists()
    assert (
        OrganisationDomain.objects.filter(domain__in=["ddvs.example", "rmmv.example"]).count() == 2
    )


def test_seed_scale_gives_realistic_memberships():
    call_command("seed_scale", organisations=10, people=200, initiatives=0, verbosity=0)
    scale = Membership.objects.filter(user__email__endswith="@scale.example")
    assert scale.count() == 200
    assert scale.filter(end_date__isnull=False).count() == 10  # 5 %
    assert not scale.filter(job_title="").exists()
    orgs = Organisation.objects.filter(name__startswith="Schaalorganisatie ")
    for org in orgs:
        admins = Membership.objects.current().filter(organisation=org, role="org_admin").count()
        assert 1 <= admins <= 2, org
    assert OrganisationDomain.objects.filter(organisation__in=orgs).count() == 10
    bench = Membership.objects.get(user__email="bench@bench.example")
    assert bench.role == "member" and bench.end_date is None
    call_command("seed_scale", organisations=10, people=200, initiatives=0, verbosity=0)
    assert scale.count() == 200
    assert OrganisationDomain.objects.filter(organisation__in=orgs).count() == 10


def test_the_benchmark_account_reaches_the_measured_pages_directly(client):
    call_command("seed_scale", organisations=3, people=5, initiatives=5, verbosity=0)
    client.force_login(User.objects.get(email="bench@bench.example"))
    for url in ("/", "/kennis/", "/initiatieven/"):
        assert client.get(url).status_code == 200, url


def test_seed_demo_has_a_network_with_single_threaded_pairs_and_a_rotation_coming_up():
    from datetime import timedelta

    from django.utils import timezone

    from network import continuity as analysis

    call_command("seed_demo", verbosity=0)
    confirmed = Tie.objects.filter(status=Tie.Status.CONFIRMED)
    assert 200 <= confirmed.count() <= 400
    assert Tie.objects.filter(status=Tie.Status.PENDING).exists()
    assert Person.objects.filter(user__isnull=True).count() >= 60
    assert Person.objects.filter(user__email="pm@lmi.example").exists()
    graph = analysis.person_graph_load()
    pairs = analysis.organisation_pair_links(graph)
    scania = Organisation.objects.get(name="Scania Nederland").pk
    brigade = Organisation.objects.get(name="13 Lichte Brigade").pk
    link = pairs[analysis.pair_key(scania, brigade)]
    assert link.single_threaded and len(link.critical) == 1
    (connector,) = link.critical
    rotation = Affiliation.objects.get(person_id=connector).expected_rotation_date
    today = timezone.localdate()
    assert today + timedelta(days=45) <= rotation <= today + timedelta(days=75)
    run = ContinuityRun.objects.get(status=ContinuityRun.Status.DONE)
    assert connector in [row["person"] for row in run.result["at_risk"]]
    assert run.result["core_pairs_single"] >= 2
    assert run.result["core_pairs_unlinked"] >= 1


def test_seed_scale_gives_people_affiliations_and_ties_and_tops_up():
    call_command("seed_scale", organisations=5, people=60, initiatives=0, ties=300, verbosity=0)
    scale_people = Person.objects.filter(user__email__endswith="@scale.example")
    assert scale_people.count() == 60
    assert Affiliation.objects.filter(person__in=scale_people).count() == 60
    assert Tie.objects.filter(person_a__in=scale_people).count() == 300
    call_command("seed_scale", organisations=5, people=60, initiatives=0, ties=400, verbosity=0)
    assert scale_people.count() == 60
    assert Tie.objects.filter(person_a__in=scale_people).count() == 400
