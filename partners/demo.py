"""Demo and scale data for partners. Every person here is fictional."""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction
from django.utils import timezone

from . import charter
from .models import (
    CommonUnderstanding,
    CommonUnderstandingAcceptance,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    OrganisationDomain,
    SharingGroup,
    User,
)

BENCH_EMAIL = "bench@bench.example"
BENCH_PASSWORD = "bench-only-password"
BENCH_TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # bench/run.py computes codes from it
DEMO_PASSWORD = "lmi-demo-2026"
# A fixed TOTP secret so that the demo admin and programme manager can sign in at once; add it
# to an authenticator app or compute codes from it (the browser tests do).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

K = Organisation.Kind
ORGANISATIONS: list[dict[str, Any]] = [
    {
        "key": "lmi",
        "name": "LMI-cel Koninklijke Landmacht",
        "short_name": "LMI-cel",
        "kind": K.DEFENCE_UNIT,
    },
    {
        "key": "dgs",
        "name": "Defensiebedrijf Grondgebonden Systemen",
        "short_name": "DGS",
        "kind": K.DEFENCE_UNIT,
    },
    {"key": "ddvs", "name": "Dutch Defence Vehicle Systems", "short_name": "DDVS", "kind": K.OEM},
    {
        "key": "rmmv",
        "name": "Rheinmetall MAN Military Vehicles Nederland",
        "short_name": "RMMV NL",
        "kind": K.OEM,
    },
    {"key": "scania", "name": "Scania Nederland", "short_name": "Scania", "kind": K.OEM},
    {"key": "thales", "name": "Thales Nederland", "short_name": "Thales", "kind": K.OEM},
    {"key": "vhm", "name": "Van Halteren Metaal", "short_name": "VHM", "kind": K.SME},
    {
        "key": "13lbrig",
        "name": "13 Lichte Brigade",
        "short_name": "13 Lbrig",
        "kind": K.DEFENCE_UNIT,
    },
    {
        "key": "43mechbrig",
        "name": "43 Gemechaniseerde Brigade",
        "short_name": "43 Mechbrig",
        "kind": K.DEFENCE_UNIT,
    },
    {"key": "tno", "name": "TNO", "short_name": "TNO", "kind": K.KNOWLEDGE},
    {
        "key": "bp3d",
        "name": "Brabant Precisie 3D B.V.",
        "short_name": "Brabant Precisie 3D",
        "kind": K.SME,
        "kvk_number": "90123456",
    },
]

# Email domains per organisation key; people at these domains may ask to join (join requests).
DOMAINS: dict[str, list[str]] = {
    "lmi": ["lmi.example"],
    "dgs": ["dgs.example"],
    "ddvs": ["ddvs.example"],
    "rmmv": ["rmmv.example"],
    "scania": ["scania.example"],
    "thales": ["thales.example"],
    "vhm": ["vhm.example"],
    "13lbrig": ["13lbrig.example"],
    "43mechbrig": ["43mechbrig.example"],
    "tno": ["tno.example"],
    "bp3d": ["bp3d.example"],
}

SHARING_GROUPS: dict[str, dict[str, Any]] = {
    "LMI-kern": {
        "orgs": ["lmi", "dgs", "ddvs", "rmmv", "scania", "thales", "vhm"],
        "hidden": False,
    },
    "Alleen Defensie": {"orgs": ["lmi", "dgs", "13lbrig", "43mechbrig"], "hidden": True},
}

R = User.PortalRole
M = Membership.Role
# email, first, last, portal role, organisation key (or None), membership role, totp
USERS: list[tuple[str, str, str, str, str | None, str, bool]] = [
    ("beheer@lmi.example", "Femke", "Jansen", R.ADMIN, None, M.MEMBER, True),
    ("pm@lmi.example", "Pieter", "de Vries", R.PROGRAMME_MANAGER, "lmi", M.MEMBER, True),
    ("sanne.bakker@ddvs.example", "Sanne", "Bakker", R.MEMBER, "ddvs", M.ORG_ADMIN, True),
    ("joris.visser@ddvs.example", "Joris", "Visser", R.MEMBER, "ddvs", M.MEMBER, False),
    ("lotte.smit@rmmv.example", "Lotte", "Smit", R.MEMBER, "rmmv", M.ORG_ADMIN, True),
    ("daan.mulder@rmmv.example", "Daan", "Mulder", R.MEMBER, "rmmv", M.MEMBER, False),
    ("ruben.meijer@13lbrig.example", "Ruben", "Meijer", R.MEMBER, "13lbrig", M.MEMBER, False),
    ("eva.dijkstra@dgs.example", "Eva", "Dijkstra", R.MEMBER, "dgs", M.MEMBER, False),
    ("tom.hendriks@bp3d.example", "Tom", "Hendriks", R.MEMBER, "bp3d", M.ORG_ADMIN, True),
]


def _user(email: str, first: str, last: str, role: str, with_totp: bool) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "portal_role": role,
            "is_staff": role == R.ADMIN,
            "is_superuser": role == R.ADMIN,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    current = CommonUnderstanding.objects.order_by("-version").first()
    if current is not None:
        CommonUnderstandingAcceptance.objects.get_or_create(user=user, version=current)
    if (
        with_totp
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


@transaction.atomic
def seed_demo(data: dict[str, Any]) -> None:
    CommonUnderstanding.objects.get_or_create(
        version=1, defaults={"text_nl": charter.TEXT_NL, "text_en": charter.TEXT_EN}
    )
    orgs: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        spec = dict(spec)
        key = spec.pop("key")
        org, _ = Organisation.objects.get_or_create(
            name=spec.pop("name"),
            defaults={
                **spec,
                "status": Organisation.Status.ACTIVE,
                "approved_at": timezone.now(),
                "profile_completed_at": timezone.now(),
            },
        )
        orgs[key] = org
    for name, group_spec in SHARING_GROUPS.items():
        group, _ = SharingGroup.objects.get_or_create(
            name=name, defaults={"membership_hidden": group_spec["hidden"]}
        )
        group.organisations.add(*(orgs[k] for k in group_spec["orgs"]))
    users: dict[str, User] = {}
    for email, first, last, role, org_key, m_role, with_totp in USERS:
        user = _user(email, first, last, role, with_totp)
        users[email] = user
        if org_key:
            Membership.objects.get_or_create(
                user=user, organisation=orgs[org_key], defaults={"role": m_role}
            )
    for key, domains in DOMAINS.items():
        for domain in domains:
            OrganisationDomain.objects.get_or_create(
                domain=domain, defaults={"organisation": orgs[key]}
            )
    onboarding = _seed_onboarding(orgs)
    data["organisations"] = orgs
    data["onboarding_organisations"] = onboarding
    data["users"] = users
    data["logins"] = [
        (email, f"{User.PortalRole(role).label}" + (f", {orgs[key].display_name}" if key else ""))
        for email, role, key in DEMO_LOGINS
    ] + [
        (ONBOARDING_CONTACT[0], f"{M.ORG_ADMIN.label}, Veldwerk Robotics (in onboarding)"),
        (JOIN_REQUESTER[0], "aanmeldverzoek bij DDVS in behandeling, nog geen lid"),
    ]
    data["password"] = DEMO_PASSWORD
    data["totp_secret"] = DEMO_TOTP_SECRET
    data["sharing_groups"] = {g.name: g for g in SharingGroup.objects.all()}


DEMO_LOGINS = [(email, role, org_key) for email, _f, _l, role, org_key, _m, _t in USERS]

# A fictional SME halfway through onboarding: its contact accepted the invitation 12 days ago
# but has not set up MFA, so the onboarding board shows it as stuck.
ONBOARDING_COMPANY: dict[str, Any] = {
    "name": "Veldwerk Robotics B.V.",
    "short_name": "Veldwerk Robotics",
    "kind": K.SME,
    "kvk_number": "91234567",
    "website": "https://veldwerk-robotics.example",
    "status": Organisation.Status.ONBOARDING,
}
ONBOARDING_CONTACT = ("mila.verbeek@veldwerk-robotics.example", "Mila", "Verbeek")
# A fictional company that has been invited only (the invitation is still open).
INVITED_COMPANY: dict[str, Any] = {
    "name": "Noordzee Aandrijftechniek B.V.",
    "short_name": "Noordzee Aandrijftechniek",
    "kind": K.SME,
    "kvk_number": "92345678",
    "status": Organisation.Status.INVITED,
}
INVITED_CONTACT = ("kees.brouwer@noordzee-aandrijf.example", "Kees Brouwer")
# Someone with a verified address at DDVS's domain who asked to join DDVS.
JOIN_REQUESTER = ("noah.degroot@ddvs.example", "Noah", "de Groot")


def _demo_token_hash() -> str:
    # Demo invitations get a hash of a token nobody knows: their links cannot be used.
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def _backdate(model: Any, pk: int, **fields: Any) -> None:
    model.objects.filter(pk=pk).update(**fields)


def _seed_onboarding(orgs: dict[str, Organisation]) -> dict[str, Organisation]:
    """The company mid-onboarding, the invited-only one and a pending join request."""
    now = timezone.now()
    admin = User.objects.filter(portal_role=R.ADMIN).order_by("pk").first()

    veldwerk, created = Organisation.objects.get_or_create(
        name=ONBOARDING_COMPANY["name"],
        defaults={**ONBOARDING_COMPANY, "created_by": admin},
    )
    if created:
        _backdate(
            Organisation,
            veldwerk.pk,
            created_at=now - timedelta(days=21),
            status_changed_at=now - timedelta(days=12),
        )
    OrganisationDomain.objects.get_or_create(
        domain="veldwerk-robotics.example", defaults={"organisation": veldwerk}
    )
    email, first, last = ONBOARDING_CONTACT
    contact = _user(email, first, last, R.MEMBER, with_totp=False)
    invitation, created = Invitation.objects.get_or_create(
        organisation=veldwerk,
        email=email,
        role=M.ORG_ADMIN,
        defaults={
            "full_name": f"{first} {last}",
            "token_hash": _demo_token_hash(),
            "expires_at": now - timedelta(days=4),
            "sent_count": 1,
            "invited_by": admin,
            "accepted_at": now - timedelta(days=12),
            "accepted_by": contact,
        },
    )
    if created:
        _backdate(Invitation, invitation.pk, created_at=now - timedelta(days=18))
    membership, created = Membership.objects.get_or_create(
        user=contact,
        organisation=veldwerk,
        defaults={"role": M.ORG_ADMIN, "job_title": "Directeur-eigenaar"},
    )
    if created:
        _backdate(
            Membership,
            membership.pk,
            created_at=now - timedelta(days=12),
            start_date=(now - timedelta(days=12)).date(),
        )

    noordzee, created = Organisation.objects.get_or_create(
        name=INVITED_COMPANY["name"], defaults={**INVITED_COMPANY, "created_by": admin}
    )
    if created:
        _backdate(Organisation, noordzee.pk, created_at=now - timedelta(days=2))
    OrganisationDomain.objects.get_or_create(
        domain="noordzee-aandrijf.example", defaults={"organisation": noordzee}
    )
    email, full_name = INVITED_CONTACT
    invitation, created = Invitation.objects.get_or_create(
        organisation=noordzee,
        email=email,
        role=M.ORG_ADMIN,
        defaults={
            "full_name": full_name,
            "token_hash": _demo_token_hash(),
            "expires_at": now + timedelta(days=12),
            "sent_count": 1,
            "invited_by": admin,
        },
    )
    if created:
        _backdate(Invitation, invitation.pk, created_at=now - timedelta(days=2))

    email, first, last = JOIN_REQUESTER
    requester = _user(email, first, last, R.MEMBER, with_totp=False)
    if not JoinRequest.objects.filter(user=requester, organisation=orgs["ddvs"]).exists():
        JoinRequest.objects.create(
            user=requester,
            organisation=orgs["ddvs"],
            email=email,
            motivation=(
                "Ik werk sinds kort bij DDVS als planner instandhouding CV90 en wil graag "
                "meelezen met de LMI-initiatieven."
            ),
        )
    return {"veldwerk": veldwerk, "noordzee": noordzee}


FIRST = [
    "Anna",
    "Bram",
    "Chantal",
    "Dirk",
    "Esther",
    "Frank",
    "Gerda",
    "Hugo",
    "Iris",
    "Jeroen",
    "Karin",
    "Lars",
    "Mirjam",
    "Niels",
    "Olga",
    "Paul",
    "Quinten",
    "Rianne",
    "Stefan",
    "Tessa",
]
LAST = [
    "Aalbers",
    "Bosman",
    "Claassen",
    "Dekker",
    "Evers",
    "Franken",
    "Gerritsen",
    "Hoekstra",
    "Jacobs",
    "Kuipers",
    "Lammers",
    "Maas",
    "Nijland",
    "Oosterhuis",
    "Peters",
    "Riemersma",
]


JOB_TITLES = [
    "Monteur",
    "Eerste monteur",
    "Werkvoorbereider",
    "Planner instandhouding",
    "Logistiek medewerker",
    "Projectleider",
    "Accountmanager Defensie",
    "Hoofd werkplaats",
    "Engineer",
    "Data-analist",
    "Contractmanager",
    "Programmamanager",
    "Adviseur",
    "Hoofd onderhoud",
]
ENDED_SHARE = 0.05  # memberships that ended: people who moved on


def _scale_memberships(rng: random.Random, user_ids: list[int], org_ids: list[int]) -> None:
    """One membership per new person, with a job title; about 5 % of them ended."""
    today = timezone.localdate()
    ended = set(rng.sample(user_ids, k=round(len(user_ids) * ENDED_SHARE)))
    rows = []
    for pk in user_ids:
        start = today - timedelta(days=rng.randint(30, 3000))
        end = None
        if pk in ended:
            end = today - timedelta(days=rng.randint(1, 700))
            start = min(start, end - timedelta(days=rng.randint(180, 1500)))
        rows.append(
            Membership(
                user_id=pk,
                organisation_id=rng.choice(org_ids),
                job_title=rng.choice(JOB_TITLES),
                start_date=start,
                end_date=end,
            )
        )
    Membership.objects.bulk_create(rows, batch_size=2000)


def _scale_org_admins(rng: random.Random, org_ids: list[int]) -> None:
    """Give every scale organisation without an organisation admin one or two of them."""
    with_admin = set(
        Membership.objects.current()
        .filter(organisation_id__in=org_ids, role=M.ORG_ADMIN)
        .values_list("organisation_id", flat=True)
    )
    candidates: dict[int, list[int]] = {}
    for pk, org_id in (
        Membership.objects.current()
        .filter(organisation_id__in=org_ids, role=M.MEMBER)
        .exclude(organisation_id__in=with_admin)
        .exclude(user__email=BENCH_EMAIL)
        .order_by("pk")
        .values_list("pk", "organisation_id")
    ):
        candidates.setdefault(org_id, []).append(pk)
    chosen = [
        pk
        for pks in candidates.values()
        for pk in rng.sample(pks, k=min(len(pks), rng.choice((1, 1, 2))))
    ]
    for i in range(0, len(chosen), 900):  # stay under SQLite's parameter limit
        Membership.objects.filter(pk__in=chosen[i : i + 900]).update(role=M.ORG_ADMIN)


def _scale_domains(org_ids: list[int]) -> None:
    have = set(
        OrganisationDomain.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )
    names = Organisation.objects.filter(pk__in=set(org_ids) - have).values_list("pk", "name")
    OrganisationDomain.objects.bulk_create(
        [
            OrganisationDomain(
                organisation_id=pk, domain=name.lower().replace(" ", "-") + ".example"
            )
            for pk, name in names
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


@transaction.atomic
def seed_scale(data: dict[str, Any]) -> None:
    """Add a scale data set of ``data['organisations']`` orgs and ``data['people']`` users."""
    rng = random.Random(data.get("seed", 2026))
    n_orgs, n_people = int(data["n_organisations"]), int(data["n_people"])
    existing = Organisation.objects.filter(name__startswith="Schaalorganisatie ").count()
    kinds = [k for k, _ in Organisation.Kind.choices]
    Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Schaalorganisatie {i:05d}",
                kind=rng.choice(kinds),
                status=Organisation.Status.ACTIVE,
            )
            for i in range(existing, n_orgs)
        ],
        batch_size=1000,
    )
    org_ids = list(
        Organisation.objects.filter(name__startswith="Schaalorganisatie ").values_list(
            "pk", flat=True
        )
    )
    existing_people = User.objects.filter(email__endswith="@scale.example").count()
    new_users = [
        User(
            email=f"persoon{i:06d}@scale.example",
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            password="!",  # unusable password: these accounts cannot sign in
        )
        for i in range(existing_people, n_people)
    ]
    User.objects.bulk_create(new_users, batch_size=2000)
    fresh = User.objects.filter(email__endswith="@scale.example", memberships__isnull=True)
    _scale_memberships(rng, list(fresh.values_list("pk", flat=True)), org_ids)
    _scale_org_admins(rng, org_ids)
    _scale_domains(org_ids)
    data["scale_organisation_ids"] = org_ids
    # The account the benchmark signs in with: a member of one scale organisation and a
    # programme manager (so it reaches the monitor results), hence with TOTP.
    bench, created = User.objects.get_or_create(
        email=BENCH_EMAIL, defaults={"first_name": "Bench", "last_name": "Gebruiker"}
    )
    if created:
        bench.set_password(BENCH_PASSWORD)
        bench.save(update_fields=["password"])
        Membership.objects.create(user=bench, organisation_id=org_ids[0])
    User.objects.filter(pk=bench.pk).update(portal_role=R.PROGRAMME_MANAGER)
    if not Authenticator.objects.filter(user=bench, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(bench, BENCH_TOTP_SECRET)
    EmailAddress.objects.get_or_create(
        user=bench, email=BENCH_EMAIL, defaults={"verified": True, "primary": True}
    )
    # The benchmark measures pages, not the common-understanding step in front of them.
    current = CommonUnderstanding.objects.order_by("-version").first()
    if current is not None:
        CommonUnderstandingAcceptance.objects.get_or_create(user=bench, version=current)
