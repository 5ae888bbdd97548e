"""Demo and scale data for partners. Every person here is fictional."""

from __future__ import annotations

import random
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from .models import (
    CommonUnderstanding,
    CommonUnderstandingAcceptance,
    Membership,
    Organisation,
    SharingGroup,
    User,
)

BENCH_EMAIL = "bench@bench.example"
BENCH_PASSWORD = "bench-only-password"
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
    orgs: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        spec = dict(spec)
        key = spec.pop("key")
        org, _ = Organisation.objects.get_or_create(
            name=spec.pop("name"), defaults={**spec, "status": Organisation.Status.ACTIVE}
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
    data["organisations"] = orgs
    data["users"] = users
    data["logins"] = [
        (email, f"{User.PortalRole(role).label}" + (f", {orgs[key].display_name}" if key else ""))
        for email, role, key in DEMO_LOGINS
    ]
    data["password"] = DEMO_PASSWORD
    data["totp_secret"] = DEMO_TOTP_SECRET
    data["sharing_groups"] = {g.name: g for g in SharingGroup.objects.all()}


DEMO_LOGINS = [(email, role, org_key) for email, _f, _l, role, org_key, _m, _t in USERS]

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
    Membership.objects.bulk_create(
        [
            Membership(user_id=pk, organisation_id=rng.choice(org_ids))
            for pk in fresh.values_list("pk", flat=True)
        ],
        batch_size=2000,
    )
    data["scale_organisation_ids"] = org_ids
    # The account the benchmark signs in with: an ordinary member of one scale organisation.
    bench, created = User.objects.get_or_create(
        email=BENCH_EMAIL, defaults={"first_name": "Bench", "last_name": "Gebruiker"}
    )
    if created:
        bench.set_password(BENCH_PASSWORD)
        bench.save(update_fields=["password"])
        Membership.objects.create(user=bench, organisation_id=org_ids[0])
    EmailAddress.objects.get_or_create(
        user=bench, email=BENCH_EMAIL, defaults={"verified": True, "primary": True}
    )
