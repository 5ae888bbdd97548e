import importlib.util
import itertools
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from initiatives.models import (
    ActionItem,
    Comment,
    Initiative,
    Obstacle,
    Participation,
    ParticipationInvite,
    Phase,
    PhaseChange,
)
from initiatives.models.initiative import ACTIVE_PHASES, PHASE_ORDER
from knowledge.models import DocumentVersion, KnowledgeItem
from lmi_portal.core.markdown import render_markdown
from lmi_portal.core.models import AuditEvent
from network.models import Affiliation, ContinuityRun, NetworkSnapshot, Person, Tie
from partners.access import can_view, managed_organisation_ids
from partners.demo import BENCH_TOTP_SECRET
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


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    # The demo and scale data store knowledge files; keep them out of var/.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


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
    Participation,
    ParticipationInvite,
    PhaseChange,
    Obstacle,
    ActionItem,
    Comment,
    Initiative.themes.through,
    Initiative.systems.through,
    KnowledgeItem,
    DocumentVersion,
    KnowledgeItem.themes.through,
    KnowledgeItem.shared_with_people.through,
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


def test_seed_scale_has_a_weekly_werkgroep_series_the_bench_account_follows(client):
    from initiatives.demo_werkgroep import SCALE_WERKGROEP_TITLE, SCALE_WERKGROEP_WEEKS
    from initiatives.models import Meeting

    call_command("seed_scale", organisations=5, people=20, initiatives=30, verbosity=0)
    call_command("seed_scale", organisations=5, people=20, initiatives=30, verbosity=0)
    series = Meeting.objects.filter(title=SCALE_WERKGROEP_TITLE)
    assert series.filter(status=Meeting.Status.PUBLISHED).count() == SCALE_WERKGROEP_WEEKS
    upcoming = series.get(status=Meeting.Status.PREPARATION)
    assert upcoming.previous is not None and upcoming.agenda_items.exists()
    client.force_login(User.objects.get(email="bench@bench.example"))
    body = client.get("/initiatieven/werkgroep/").content.decode()
    # "Since the previous meeting", not the seven-day fallback.
    assert upcoming.previous.get_absolute_url() in body
    assert "Nog geen eerdere bijeenkomst" not in body


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
    call_command(
        "seed_scale", organisations=3, people=5, initiatives=20, knowledge=300, verbosity=0
    )
    client.force_login(User.objects.get(email="bench@bench.example"))
    green = Initiative.objects.filter(tlp=TLP.GREEN, comments__isnull=False).first()
    theme = Initiative.themes.through.objects.values_list("theme_id", flat=True).first()
    document = KnowledgeItem.objects.filter(
        kind="document", tlp=TLP.GREEN, status="published", versions__isnull=False
    ).first()
    lesson_theme = (
        KnowledgeItem.themes.through.objects.filter(knowledgeitem__kind="lesson")
        .values_list("theme_id", flat=True)
        .first()
    )
    for url in (
        "/",
        "/kennis/",
        "/initiatieven/",
        "/initiatieven/bord/",
        f"/initiatieven/?phase=pilot&theme={theme}&sort=title",
        green.get_absolute_url(),
        f"/kennis/?kind=lesson&theme={lesson_theme}",
        document.get_absolute_url(),
        "/zoeken/?q=onderhoud",
        "/zoeken/?q=onderhuod",
        "/zoeken/?q=boxer+sensor",
        "/zoeken/?q=contract+ervaring",
        "/zoeken/live/?q=onderh",
    ):
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


# --- Initiatives in the demo ------------------------------------------------------------------


def _demo_initiatives():
    call_command("seed_demo", verbosity=0)
    return {i.title: i for i in Initiative.objects.all()}


def test_seed_demo_initiatives_cover_every_phase_with_their_story():
    initiatives = _demo_initiatives()
    assert len(initiatives) >= 12
    assert {i.phase for i in initiatives.values()} == set(Phase.values)
    for initiative in initiatives.values():
        assert initiative.why and initiative.how and initiative.origin, initiative
        assert initiative.effects and initiative.get_effects_display(), initiative
        assert initiative.themes.exists(), initiative
        assert initiative.requirement_owner.kind == Organisation.Kind.DEFENCE_UNIT, initiative
        assert initiative.lead is not None, initiative
    # The titles the browser journeys open are still there, with the audience they rely on.
    assert initiatives["Voorspellend onderhoud Boxer met sensordata"].tlp == TLP.AMBER
    strict = initiatives["Ervaringen met prestatiegebaseerd onderhoudscontract"]
    assert (strict.tlp, strict.owner_organisation.short_name) == (TLP.AMBER_STRICT, "RMMV NL")
    red = initiatives["Knelpunten leveringszekerheid (vertrouwelijk)"]
    assert red.tlp == TLP.RED
    assert red.shared_with_people.filter(email="pm@lmi.example").exists()
    assert initiatives["Personeelsuitwisseling Defensie en industrie"].tlp == TLP.CLEAR
    # The search journey expects exactly one hit for its own new initiative.
    for field in ("title", "summary", "why", "how"):
        assert not Initiative.objects.filter(**{f"{field}__icontains": "kalibratie"}).exists()


def test_seed_demo_phase_histories_run_from_creation_to_the_current_phase():
    initiatives = _demo_initiatives()
    now = timezone.now()
    for initiative in initiatives.values():
        steps = list(initiative.phase_changes.order_by("created_at"))
        assert steps[0].from_phase == "", initiative
        assert steps[-1].to_phase == initiative.phase, initiative
        for before, after in itertools.pairwise(steps):
            assert after.from_phase == before.to_phase, initiative
            assert before.created_at < after.created_at, initiative
        for step in steps:
            going_back = (
                step.from_phase in PHASE_ORDER
                and step.to_phase in PHASE_ORDER
                and PHASE_ORDER.index(step.to_phase) < PHASE_ORDER.index(step.from_phase)
            )
            if step.to_phase in (Phase.PAUSED, Phase.STOPPED) or going_back:
                assert len(step.reason) > 20, step
        assert initiative.created_at == steps[0].created_at, initiative
        assert initiative.phase_changed_at == steps[-1].created_at, initiative
        assert initiative.updated_at == initiative.last_activity_at <= now, initiative
        assert initiative.last_activity_at >= steps[-1].created_at, initiative
    phases = {i.phase for i in initiatives.values()}
    assert {Phase.PAUSED, Phase.STOPPED} <= phases
    assert PhaseChange.objects.filter(
        from_phase=Phase.ELABORATION, to_phase=Phase.EXPLORATION
    ).exists(), "one initiative went a step back"


def test_seed_demo_has_a_success_a_dormant_initiative_and_single_person_risks():
    initiatives = _demo_initiatives()
    now = timezone.now()
    (success,) = [i for i in initiatives.values() if i.phase == Phase.EMBEDDED]
    assert success.result and success.closed_at and 1 <= len(success.lessons) <= 2
    assert success.closed_at == success.phase_changed_at < now

    limit = now - timedelta(days=settings.INITIATIVE_DORMANT_AFTER_DAYS)
    idle = [
        i for i in initiatives.values() if i.phase in ACTIVE_PHASES and i.last_activity_at < limit
    ]
    assert [i.title for i in idle] == ["Mobiele veldwerkplaats Bushmaster"]
    (dormant,) = idle
    assert timedelta(days=55) < now - dormant.last_activity_at < timedelta(days=65)
    assert dormant.last_activity_at < dormant.dormant_since <= now
    assert [i for i in initiatives.values() if i.dormant_since] == [dormant]

    assert any(i.deputy is None for i in initiatives.values())
    pool = initiatives["Gedeelde monteurspool wielvoertuigen"]
    lead_orgs = set(pool.lead.memberships.values_list("organisation", flat=True))
    assert lead_orgs == set(pool.deputy.memberships.values_list("organisation", flat=True))
    assert pool.participations.exclude(organisation__in=lead_orgs).count() >= 2


def test_seed_demo_has_a_pending_invitation_for_rmmv_from_ddvs():
    _demo_initiatives()
    invite = ParticipationInvite.objects.get(status=ParticipationInvite.Status.PENDING)
    assert invite.organisation.short_name == "RMMV NL"
    assert invite.invited_by.email == "sanne.bakker@ddvs.example"
    assert invite.initiative.owner_organisation.short_name == "DDVS"
    assert invite.message
    assert not invite.initiative.participations.filter(organisation=invite.organisation).exists()
    lotte = User.objects.get(email="lotte.smit@rmmv.example")
    assert invite.organisation.pk in managed_organisation_ids(lotte)


def test_seed_demo_obstacles_actions_and_comments_are_realistic_and_visible_to_their_people():
    _demo_initiatives()
    assert Obstacle.objects.values("category").distinct().count() >= 6
    escalated = Obstacle.objects.filter(escalated_at__isnull=False)
    assert escalated.exists()
    assert not escalated.filter(escalated_by__isnull=True).exists()
    resolved = Obstacle.objects.filter(status=Obstacle.Status.RESOLVED)
    assert resolved.exists()
    for obstacle in resolved:
        assert obstacle.raised_on < obstacle.resolved_on <= timezone.localdate()
    assert any(action.is_overdue for action in ActionItem.objects.all())
    done = ActionItem.objects.filter(status=ActionItem.Status.DONE)
    assert done.exists() and not done.filter(done_at__isnull=True).exists()

    comments = Comment.objects.select_related("initiative", "author")
    assert comments.count() >= 15
    for comment in comments:
        assert comment.body_html == render_markdown(comment.body)
        assert "**" not in comment.body_html and "<script" not in comment.body_html
        assert comment.created_at <= comment.initiative.last_activity_at
        # Nobody comments on an initiative they cannot see.
        assert can_view(comment.author, comment.initiative), comment
    assert comments.filter(body_html__contains="<strong>").exists()
    assert comments.filter(body_html__contains="<li>").exists()
    for initiative in Initiative.objects.all():
        for user in (initiative.lead, initiative.deputy):
            assert user is None or can_view(user, initiative), (initiative, user)


# --- Initiatives in the scale data set --------------------------------------------------------


def test_seed_scale_gives_initiatives_people_history_and_work_and_tops_up():
    call_command("seed_scale", organisations=6, people=60, initiatives=60, ties=50, verbosity=0)
    scale = Initiative.objects.filter(title__startswith="Schaalinitiatief ")
    assert scale.count() == 60
    for initiative in scale.prefetch_related("participations", "phase_changes", "themes"):
        assert 1 <= len(initiative.participations.all()) <= 3, initiative
        owner = initiative.owner_organisation_id
        assert owner not in {p.organisation_id for p in initiative.participations.all()}
        steps = sorted(initiative.phase_changes.all(), key=lambda step: step.created_at)
        assert 1 <= len(steps) <= 4 and steps[0].from_phase == ""
        assert steps[-1].to_phase == initiative.phase
        assert all(b.from_phase == a.to_phase for a, b in itertools.pairwise(steps))
        assert steps[-1].to_phase in PHASE_ORDER or steps[-1].reason
        assert initiative.themes.all(), initiative
        assert initiative.created_at == steps[0].created_at <= initiative.last_activity_at
        assert initiative.updated_at == initiative.last_activity_at <= timezone.now()
    assert set(scale.values_list("phase", flat=True)) >= set(PHASE_ORDER)
    assert scale.filter(lead__email__endswith="@scale.example").count() == 60
    assert 8 <= Obstacle.objects.filter(initiative__in=scale).count() <= 35
    assert 80 <= ActionItem.objects.filter(initiative__in=scale).count() <= 160
    assert any(a.is_overdue for a in ActionItem.objects.filter(initiative__in=scale))
    comments = Comment.objects.filter(initiative__in=scale)
    assert 15 <= comments.count() <= 50
    assert not comments.filter(body_html="").exists()
    assert scale.filter(dormant_since__isnull=False).exists()

    counts_before = {m.__name__: m.objects.count() for m in MODELS}
    call_command("seed_scale", organisations=6, people=60, initiatives=60, ties=50, verbosity=0)
    assert {m.__name__: m.objects.count() for m in MODELS} == counts_before
    call_command("seed_scale", organisations=6, people=60, initiatives=70, ties=50, verbosity=0)
    assert scale.count() == 70
    assert not scale.filter(phase_changes__isnull=True).exists()
    assert not scale.filter(participations__isnull=True).exists()


def test_the_benchmark_account_is_a_programme_manager_who_signs_in_with_totp(monkeypatch):
    call_command("seed_scale", organisations=3, people=5, initiatives=5, verbosity=0)
    bench = User.objects.get(email="bench@bench.example")
    assert bench.is_programme_manager
    assert Authenticator.objects.filter(user=bench, type=Authenticator.Type.TOTP).count() == 1
    call_command("seed_scale", organisations=3, people=5, initiatives=5, verbosity=0)
    assert Authenticator.objects.filter(user=bench).count() == 1

    path = Path(__file__).resolve().parent.parent / "bench" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    assert spec is not None and spec.loader is not None
    bench_run = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench_run)  # its dataclasses look it up
    spec.loader.exec_module(bench_run)
    assert bench_run.BENCH_TOTP_SECRET == BENCH_TOTP_SECRET
    now = time.time()
    expected = format_hotp_value(hotp_value(BENCH_TOTP_SECRET, int(now) // 30))
    assert bench_run.totp_code(BENCH_TOTP_SECRET, now) == expected
