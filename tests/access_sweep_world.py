"""The crafted world of the access sweep (tests/test_access_sweep.py): the shared cast, a
suspended member, and for every URL an object of its own to open, most of them the company's
AMBER+STRICT items, with a marker word in every title that tells who may read it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from initiatives.models import ActionItem, AgendaItem, Initiative, Meeting, Phase, PulseInvitation
from initiatives.services import calendar as calendar_services
from initiatives.services.comments import comment_create
from initiatives.services.initiatives import initiative_create
from initiatives.services.meetings import meeting_create
from initiatives.services.minutes import decision_add, meeting_action_add
from initiatives.services.participants import participation_invite
from initiatives.services.work import action_create, obstacle_create
from knowledge.models import KnowledgeItem
from knowledge.services.items import knowledge_item_create
from lmi_portal.core.digests import preference_for, unsubscribe_token
from lmi_portal.core.models import Notification, OutboxEmail
from lmi_portal.core.notifications import notification_send
from lmi_portal.core.services import heartbeat_record, outbox_enqueue
from network.models import ContactFlag, ContinuityRun, Handover, Tie
from network.services.handovers import handovers_open_due
from network.services.stale import confirm_token_for
from network.services.ties import tie_declare
from partners.models import (
    TLP,
    JoinRequest,
    MemberImport,
    Membership,
    Organisation,
    OrganisationDomain,
    User,
)
from partners.services.invitations import invitation_create
from partners.services.join_requests import join_request_create
from partners.services.members import member_import_start
from partners.services.profile import organisation_set_logo

from .factories import (
    AffiliationFactory,
    OrganisationFactory,
    ParticipationFactory,
    PersonFactory,
    PulseRoundFactory,
    SharingGroupFactory,
    member_of,
    person_of,
    tie_between,
)
from .knowledge.conftest import pdf_bytes, png_bytes

ROLES = (
    "portal_admin",
    "programme_manager",
    "org_admin",
    "member",
    "outsider",
    "suspended",
    "anonymous",
)
SIGNED_IN = frozenset({"portal_admin", "programme_manager", "org_admin", "member", "outsider"})
ACTIVE_MEMBERS = SIGNED_IN - {"portal_admin"}
COMPANY = frozenset({"org_admin", "member"})
EVERYONE = frozenset(ROLES)

# The word every marked title shares, so one search finds them all.
SEARCH_WORD = "Zwaluw"


@dataclass
class World:
    users: dict[str, User | None]
    company: Organisation
    competitor: Organisation
    lmi_cell: Organisation
    # Marker word -> the roles that may read it (anyone else must never get it in a response).
    markers: dict[str, frozenset[str]] = field(default_factory=dict)
    obj: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["obj"][name]
        except KeyError:
            raise AttributeError(name) from None

    def mark(self, word: str, readers: frozenset[str]) -> str:
        """A title that starts with the marker ``word`` (and contains the search word)."""
        self.markers[word] = readers
        return f"{word} {SEARCH_WORD}"


# Who may read a company item at each level (the company owns everything marked here).
COMPANY_READERS = {
    TLP.CLEAR: EVERYONE,
    TLP.GREEN: ACTIVE_MEMBERS,
    TLP.AMBER: COMPANY,
    TLP.AMBER_STRICT: COMPANY,
    TLP.RED: frozenset({"member"}),  # shared by name with the member only
}
LEVEL_WORDS = {
    TLP.CLEAR: "OPENBAAR",
    TLP.GREEN: "GROEN",
    TLP.AMBER: "ORANJE",
    TLP.AMBER_STRICT: "STRIKT",
    TLP.RED: "ROOD",
}


def build_world(
    *,
    company: Organisation,
    competitor: Organisation,
    lmi_cell: Organisation,
    member: User,
    org_admin: User,
    outsider: User,
    programme_manager: User,
    portal_admin: User,
) -> World:
    """The cast plus a suspended member of the company, and an object for every URL."""
    suspended = member_of(company, suspended=True, email="geschorst@ddvs.example")
    w = World(
        users={
            "portal_admin": portal_admin,
            "programme_manager": programme_manager,
            "org_admin": org_admin,
            "member": member,
            "outsider": outsider,
            "suspended": suspended,
            "anonymous": None,
        },
        company=company,
        competitor=competitor,
        lmi_cell=lmi_cell,
    )
    o = w.obj
    _initiatives(w, member, programme_manager)
    _knowledge(w, member)
    _werkgroep(w, member, programme_manager)
    _pulse(w, member, outsider, programme_manager)
    _partners(w, member, org_admin, competitor)
    _network(w, member, org_admin, outsider, programme_manager)

    o["notification"] = _notification(w, member)
    heartbeat_record()  # /health/ answers 200, like a healthy portal
    outbox = outbox_enqueue(
        key="sweep-failed",
        to=member.email,
        subject="Testbericht",
        body_text="Niet bezorgd.",
        recipient=member,
    )
    OutboxEmail.objects.filter(pk=outbox.pk).update(status=OutboxEmail.Status.FAILED)
    o["failed_email"] = outbox
    # The tokens of links that need no login: the feed is the outsider's on purpose, so the
    # sweep also sees that a competitor's feed holds none of the company's meetings.
    w.tokens["calendar"] = calendar_services.calendar_feed_issue(actor=outsider)
    w.tokens["unsubscribe"] = unsubscribe_token(
        user_id=member.pk, nonce=preference_for(user=member).unsubscribe_nonce
    )
    return w


def _initiatives(w: World, member: User, pm: User) -> None:
    o = w.obj
    for level, readers in COMPANY_READERS.items():
        o[f"initiative_{level}"] = initiative_create(
            actor=member,
            owner_organisation=w.company,
            title=w.mark(f"INI{LEVEL_WORDS[level]}", readers),
            summary="Samenvatting",
            tlp=level,
            shared_with_people=[member] if level == TLP.RED else (),
        )
    # The AMBER one is a success story, so the successes feed has something to hide.
    Initiative.objects.filter(pk=o[f"initiative_{TLP.AMBER}"].pk).update(
        phase=Phase.EMBEDDED, closed_at=timezone.now()
    )
    strict = o["initiative"] = o[f"initiative_{TLP.AMBER_STRICT}"]
    o["obstacle"] = obstacle_create(
        actor=member,
        initiative=strict,
        title=w.mark("OBSTAKELSTRIKT", COMPANY),
        category="procurement",
    )
    # The company's admin gives the member an action: the member is told in-app and by email.
    o["action"] = action_create(
        actor=w.users["org_admin"],
        initiative=strict,
        title=w.mark("ACTIESTRIKT", COMPANY),
        owner=member,
    )
    o["comment"] = comment_create(
        actor=member, initiative=strict, body=w.mark("REACTIESTRIKT", COMPANY)
    )
    # The LMI cell takes part, and yet AMBER+STRICT keeps it (and its manager) out.
    o["participation"] = ParticipationFactory(initiative=strict, organisation=w.lmi_cell)
    o["participation_invite"] = participation_invite(
        actor=member, initiative=strict, organisation=w.competitor
    )
    # An LMI initiative that invites the company: its admin answers.
    # (The invitation shows its title to the company's admin, by design; not to its members.)
    lmi_initiative = o["lmi_initiative"] = initiative_create(
        actor=pm,
        owner_organisation=w.lmi_cell,
        title=w.mark("INIUITNODIGING", frozenset({"programme_manager", "org_admin"})),
        summary="Samenvatting",
        tlp=TLP.AMBER,
    )
    o["company_invite"] = participation_invite(
        actor=pm, initiative=lmi_initiative, organisation=w.company
    )
    o["green_initiative"] = o[f"initiative_{TLP.GREEN}"]


def _knowledge(w: World, member: User) -> None:
    o = w.obj
    for level, readers in COMPANY_READERS.items():
        if level == TLP.AMBER_STRICT:
            continue
        o[f"knowledge_{level}"] = knowledge_item_create(
            actor=member,
            organisation=w.company,
            kind=KnowledgeItem.Kind.BEST_PRACTICE,
            title=w.mark(f"KENNIS{LEVEL_WORDS[level]}", readers),
            summary="Samenvatting",
            tlp=level,
            shared_with_people=[member] if level == TLP.RED else (),
            # The GREEN item points at the AMBER+STRICT initiative: its readers must not
            # learn that initiative's title from it.
            related_initiatives=[o["initiative"]] if level == TLP.GREEN else (),
        )
    o["document"] = knowledge_item_create(
        actor=member,
        organisation=w.company,
        kind=KnowledgeItem.Kind.DOCUMENT,
        title=w.mark("KENNISSTRIKT", COMPANY),
        summary="Samenvatting",
        tlp=TLP.AMBER_STRICT,
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes("Onderhoud"), "application/pdf"),
        related_initiatives=[o["green_initiative"]],
    )
    o["lesson"] = knowledge_item_create(
        actor=member,
        organisation=w.company,
        kind=KnowledgeItem.Kind.LESSON,
        title=w.mark("LESSTRIKT", COMPANY),
        summary="Samenvatting",
        tlp=TLP.AMBER_STRICT,
    )
    # A draft of a GREEN item: only the company sees it until it is published.
    o["draft"] = knowledge_item_create(
        actor=member,
        organisation=w.company,
        kind=KnowledgeItem.Kind.BEST_PRACTICE,
        title=w.mark("CONCEPTGROEN", COMPANY),
        summary="Samenvatting",
        tlp=TLP.GREEN,  # a draft: only its own organisation sees it, whatever its level
        status=KnowledgeItem.Status.DRAFT,
    )


def _werkgroep(w: World, member: User, pm: User) -> None:
    o = w.obj
    starts = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    # The LMI cell's meeting in preparation: AMBER, the company attends, the member with it.
    meeting = o["meeting"] = meeting_create(
        actor=pm,
        starts_at=starts,
        title=w.mark("BIJEENKOMSTLMI", frozenset({"programme_manager"}) | COMPANY),
        attending_organisations=[w.company],
        attendees=[pm, member],
    )
    item = o["agenda_item"] = AgendaItem.objects.create(
        meeting=meeting, position=0, title="Voorraad reservedelen"
    )
    # The member proposed an item about the company's AMBER+STRICT initiative: the meeting's
    # other readers see the item, never the initiative's title.
    AgendaItem.objects.create(
        meeting=meeting, position=1, title="Voorstel", initiative=o["initiative"]
    )
    o["decision"] = decision_add(actor=pm, item=item, text="Besloten")
    o["meeting_action"] = meeting_action_add(actor=pm, item=item, title="Uitzoeken", owner=pm)
    # The company's own meeting, AMBER+STRICT and published: the programme manager is out.
    company_meeting = o["company_meeting"] = Meeting.objects.create(
        owner_organisation=w.company,
        tlp=TLP.AMBER_STRICT,
        title=w.mark("BIJEENKOMSTSTRIKT", COMPANY),
        starts_at=starts - dt.timedelta(days=14),
        status=Meeting.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    company_meeting.attendees.add(member)
    company_item = AgendaItem.objects.create(
        meeting=company_meeting, position=0, title="Intern overleg"
    )
    o["company_decision"] = company_item.decisions.create(text=w.mark("BESLUITSTRIKT", COMPANY))
    o["company_meeting_action"] = ActionItem.objects.create(
        meeting=company_meeting,
        agenda_item=company_item,
        title=w.mark("VERGADERACTIESTRIKT", COMPANY),
        owner=member,
    )


def _pulse(w: World, member: User, outsider: User, pm: User) -> None:
    o = w.obj
    o["pulse_round"] = PulseRoundFactory(initiative=None, title="Netwerkbrede ronde")
    # A round about the company's AMBER+STRICT initiative; only the member may answer it,
    # though the outsider and the programme manager are invited too (by mistake, say).
    strict_round = o["strict_pulse_round"] = PulseRoundFactory(
        initiative=w.obj["initiative"], title=w.mark("MONITORSTRIKT", frozenset({"member"}))
    )
    for user in (member, outsider, pm):
        PulseInvitation.objects.create(round=strict_round, user=user)


def _partners(w: World, member: User, org_admin: User, competitor: Organisation) -> None:
    o = w.obj
    o["onboarding_org"] = OrganisationFactory(
        name=w.mark("AANMELDORG", frozenset({"portal_admin"})), onboarding=True
    )
    organisation_set_logo(
        actor=org_admin,
        organisation=w.company,
        upload=SimpleUploadedFile("logo.png", png_bytes((8, 8)), "image/png"),
    )
    o["invitation"] = invitation_create(
        actor=org_admin, organisation=w.company, email="nieuw@ddvs.example", full_name="Nieuw Lid"
    )
    body = OutboxEmail.objects.filter(to="nieuw@ddvs.example").latest("pk").body_text
    w.tokens["invitation"] = re.search(r"/uitnodiging/([^/\s]+)/", body).group(1)
    o["member_import"] = member_import_start(
        actor=org_admin,
        organisation=w.company,
        filename="leden.csv",
        text="naam;e-mail;functie\nSanne Voorbeeld;sanne@ddvs.example;Planner\n",
    )
    OrganisationDomain.objects.create(organisation=w.company, domain="ddvs.example")
    requester = member_of(competitor, email="overstapper@ddvs.example")
    o["join_request"] = join_request_create(user=requester, organisation=w.company)
    o["sharing_group"] = SharingGroupFactory()
    o["spare_org"] = OrganisationFactory(name="Reserve Onderdelen BV")
    o["member_membership"] = Membership.objects.get(user=member, organisation=w.company)
    # The competitor's own rows, for asking them under the company's address.
    o["outsider_membership"] = Membership.objects.get(
        organisation=competitor, user__email=w.users["outsider"].email
    )
    o["competitor_invitation"] = invitation_create(
        actor=w.users["portal_admin"], organisation=competitor, email="nieuw@rmmv.example"
    )
    o["competitor_import"] = MemberImport.objects.create(organisation=competitor, filename="x.csv")
    o["competitor_join_request"] = JoinRequest.objects.create(
        user=member, organisation=competitor, email=member.email
    )


def _network(w: World, member: User, org_admin: User, outsider: User, pm: User) -> None:
    o = w.obj
    today = timezone.localdate()
    me = o["person"] = person_of(member)
    AffiliationFactory(
        person=me,
        organisation=w.company,
        email=member.email,
        expected_rotation_date=today + dt.timedelta(days=60),
    )
    o["affiliation"] = me.affiliations.get()
    admin_person = person_of(org_admin)
    o["admin_affiliation"] = AffiliationFactory(
        person=admin_person, organisation=w.company, email=org_admin.email
    )
    other = person_of(outsider)
    AffiliationFactory(person=other, organisation=w.competitor, email=outsider.email)
    AffiliationFactory(person=person_of(pm), organisation=w.lmi_cell, email=pm.email)
    tie_between(me, other)
    colleague = member_of(w.company, email="opvolger@ddvs.example")
    o["successor"] = person_of(colleague)
    AffiliationFactory(person=o["successor"], organisation=w.company, email=colleague.email)
    # The org admin says they know the member: only the member answers.
    o["pending_tie"] = tie_declare(actor=org_admin, other=me, kind=Tie.Kind.MET, strength=1)
    handovers_open_due()
    o["handover"] = Handover.objects.get(person=me)
    ContactFlag.objects.create(person=me, reason=ContactFlag.Reason.NOT_CONFIRMED)
    o["continuity_run"] = ContinuityRun.objects.create()
    o["anonymisable"] = PersonFactory()
    AffiliationFactory(person=o["anonymisable"], organisation=w.company)
    w.tokens["confirm"] = confirm_token_for(me)


def _notification(w: World, member: User) -> Any:
    # The outsider's notification about the company's AMBER+STRICT initiative (say it was
    # shared with them once): the list, the badge and "mark read" must leave it out.
    w.obj["outsider_notification"] = Notification.objects.create(
        recipient=w.users["outsider"],
        verb="initiative.comment",
        text=w.mark("MELDINGSTRIKT", COMPANY),
        url=w.obj["initiative"].get_absolute_url(),
        target_ct=ContentType.objects.get_for_model(Initiative),
        target_id=w.obj["initiative"].pk,
    )
    notification_send(
        recipients=[member],
        verb="initiative.comment",
        text=lambda: "Nieuwe reactie",
        target=w.obj["initiative"],
    )
    return Notification.objects.filter(recipient=member, verb="initiative.comment").latest("pk")
