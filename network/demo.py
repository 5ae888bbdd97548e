"""Demo and scale data for the network: people, posts and who-knows-whom.

Every person here is fictional. The demo network is built to tell a story on the continuity
page and the map: most organisations are linked through several people, but Scania and
13 Lichte Brigade hang on one captain whose rotation is two months away, DGS and Scania hang on
one account manager, Thales and Van Halteren Metaal on a single tie, three core pairs have no
link at all, and the 3D-printing SME reaches the rest only through one TNO researcher.
Idempotent: running it twice changes nothing (random choices use a fixed seed).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from lmi_portal.core.models import System, Theme
from partners.models import Membership, Organisation, User

from .models import Affiliation, ContinuityRun, NetworkSnapshot, Person, Tie
from .services.affiliations import affiliation_sync_from_membership, person_for_user

SEED = 20260401
ARMY = {"lmi", "dgs", "13lbrig", "43mechbrig"}

# first, last, organisation key, title
PEOPLE: list[tuple[str, str, str, str]] = [
    ("Marloes", "Brink", "lmi", "Luitenant-kolonel, hoofd LMI-cel"),
    ("Gijs", "van Leeuwen", "lmi", "Majoor, projectofficier LMI"),
    ("Yvonne", "Koster", "lmi", "Kapitein, netwerkregisseur"),
    ("Hans", "Willems", "lmi", "Adjudant, adviseur instandhouding"),
    ("Ilse", "Vos", "lmi", "Beleidsmedewerker samenwerking"),
    ("Olaf", "Brouwers", "lmi", "Kapitein, stafofficier materieel"),
    ("Frank", "Boer", "dgs", "Hoofd planning wielvoertuigen"),
    ("Anouk", "Prins", "dgs", "Werkvoorbereider"),
    ("Mehmet", "Yilmaz", "dgs", "Majoor, hoofd werkplaats"),
    ("Rik", "Verhoeven", "dgs", "Sergeant-majoor instandhouding"),
    ("Linda", "Kok", "dgs", "Contractmanager"),
    ("Sjoerd", "de Wit", "dgs", "Logistiek adviseur reservedelen"),
    ("Priya", "Ramdin", "dgs", "Data-analist onderhoud"),
    ("Wendy", "Dijkman", "dgs", "Hoofd materieellogistiek"),
    ("Martijn", "Kuiper", "ddvs", "Programmamanager CV90"),
    ("Esra", "Demir", "ddvs", "Servicemanager"),
    ("Koen", "van Dam", "ddvs", "Engineer ILS"),
    ("Nina", "Schouten", "ddvs", "Projectleider Boxer"),
    ("Wim", "Post", "ddvs", "Hoofd field service"),
    ("Floor", "Bos", "ddvs", "Accountmanager Defensie"),
    ("Jeroen", "Hofman", "rmmv", "Accountmanager Defensie"),
    ("Sophie", "van den Berg", "rmmv", "Servicemanager Boxer"),
    ("Thijs", "Groen", "rmmv", "Engineer aandrijflijnen"),
    ("Laura", "Veenstra", "rmmv", "Contractmanager"),
    ("Bart", "Smeets", "rmmv", "Hoofd onderdelenlogistiek"),
    ("Kim", "Janssens", "rmmv", "Technisch trainer"),
    ("Wouter", "Kramer", "scania", "Accountmanager Defensie"),
    ("Eline", "de Graaf", "scania", "Servicecoördinator Gryphus"),
    ("Stijn", "Claes", "scania", "Engineer field support"),
    ("Marieke", "Huisman", "scania", "Onderdelenplanner"),
    ("Jasper", "Dekker", "scania", "Technisch trainer"),
    ("Roel", "Timmermans", "thales", "Programmamanager landsystemen"),
    ("Charlotte", "Wouters", "thales", "Engineer radar"),
    ("Vincent", "Jonker", "thales", "Servicemanager"),
    ("Hanna", "Lubbers", "thales", "ILS-specialist"),
    ("Pim", "Sanders", "thales", "Projectleider"),
    ("Bram", "Zwart", "thales", "Field engineer"),
    ("Gert-Jan", "Mol", "vhm", "Directeur"),
    ("Sara", "Hoekman", "vhm", "Werkvoorbereider"),
    ("Dennis", "Scholten", "vhm", "Hoofd productie"),
    ("Lieke", "Maas", "vhm", "Kwaliteitsmanager"),
    ("Bas", "Vermeulen", "13lbrig", "Kapitein, hoofd herstelpeloton"),
    ("Joost", "Peeters", "13lbrig", "Majoor, S4 logistiek"),
    ("Anne", "van Vliet", "13lbrig", "Eerste luitenant, pelotonscommandant herstel"),
    ("Tim", "Bosch", "13lbrig", "Sergeant-majoor monteur"),
    ("Robin", "Evers", "13lbrig", "Korporaal monteur"),
    ("Niels", "de Ruiter", "13lbrig", "Sergeant monteur wielvoertuigen"),
    ("Daphne", "Gerritsen", "43mechbrig", "Majoor, S4 logistiek"),
    ("Michiel", "van der Meer", "43mechbrig", "Kapitein, commandant herstelcompagnie"),
    ("Lars", "Hermans", "43mechbrig", "Adjudant, werkplaatscommandant"),
    ("Noor", "El Amrani", "43mechbrig", "Luitenant, logistiek officier"),
    ("Erik", "Stam", "43mechbrig", "Sergeant monteur CV90"),
    ("Tamara", "Kuijpers", "43mechbrig", "Eerste luitenant, herstelpeloton"),
    ("Annelies", "Wijnands", "tno", "Programmaleider defensie"),
    ("Ruud", "Koopman", "tno", "Onderzoeker voorspellend onderhoud"),
    ("Merel", "Sluiter", "tno", "Onderzoeker digital twins"),
    ("Youssef", "Bennani", "tno", "Data scientist"),
    ("Carla", "Hoogland", "tno", "Senior adviseur additive manufacturing"),
    ("Ricardo", "Ferreira", "bp3d", "Engineer metaalprinten"),
    ("Inge", "Terpstra", "bp3d", "Kwaliteitsmanager"),
]

# Titles for the demo accounts' own posts (their memberships may not carry one).
USER_TITLES = {
    "pm@lmi.example": "Programmamanager LMI",
    "sanne.bakker@ddvs.example": "Hoofd instandhouding wielvoertuigen",
    "joris.visser@ddvs.example": "Planner instandhouding",
    "lotte.smit@rmmv.example": "Manager klantenservice Defensie",
    "daan.mulder@rmmv.example": "Servicemonteur",
    "ruben.meijer@13lbrig.example": "Kapitein, hoofd technische dienst",
    "eva.dijkstra@dgs.example": "Hoofd inkoop reservedelen",
    "tom.hendriks@bp3d.example": "Directeur-eigenaar",
}

# Organisation pairs linked through several people: (a, b, ties)
HEALTHY_PAIRS: list[tuple[str, str, int]] = [
    ("lmi", "dgs", 6),
    ("lmi", "ddvs", 5),
    ("lmi", "rmmv", 5),
    ("lmi", "scania", 3),
    ("lmi", "thales", 3),
    ("lmi", "vhm", 3),
    ("lmi", "43mechbrig", 5),
    ("lmi", "tno", 3),
    ("dgs", "ddvs", 7),
    ("dgs", "rmmv", 7),
    ("dgs", "thales", 3),
    ("dgs", "43mechbrig", 5),
    ("dgs", "vhm", 3),
    ("ddvs", "rmmv", 3),
    ("ddvs", "43mechbrig", 6),
    ("ddvs", "thales", 3),
    ("ddvs", "tno", 3),
    ("ddvs", "scania", 2),
    ("rmmv", "43mechbrig", 4),
    ("rmmv", "scania", 3),
    ("rmmv", "tno", 3),
    ("rmmv", "thales", 2),
    ("rmmv", "vhm", 3),
    ("thales", "43mechbrig", 3),
    ("thales", "tno", 3),
    ("scania", "43mechbrig", 3),
]

# Ties that make the single points of failure (by name, "First Last").
SINGLE_THREADED_TIES: list[tuple[str, str]] = [
    ("Bas Vermeulen", "Wouter Kramer"),  # Scania ↔ 13 Lbrig hangs on Bas ...
    ("Bas Vermeulen", "Eline de Graaf"),
    ("Bas Vermeulen", "Yvonne Koster"),  # ... and so do LMI-cel and DGS ↔ 13 Lbrig
    ("Bas Vermeulen", "Rik Verhoeven"),
    ("Ruben Meijer", "Sanne Bakker"),  # DDVS ↔ 13 Lbrig hangs on Ruben (Boxer pilot)
    ("Ruben Meijer", "Nina Schouten"),
    ("Wouter Kramer", "Sjoerd de Wit"),  # DGS ↔ Scania hangs on Wouter
    ("Wouter Kramer", "Linda Kok"),
    ("Pim Sanders", "Dennis Scholten"),  # Thales ↔ VHM: one tie
    ("Tom Hendriks", "Carla Hoogland"),  # Brabant Precisie 3D reaches the rest only via TNO
]
# Declared but not (yet) confirmed: never on the map or in the analysis.
PENDING_TIES: list[tuple[str, str]] = [
    ("Tom Hendriks", "Rik Verhoeven"),
    ("Joris Visser", "Wouter Kramer"),
    ("Daan Mulder", "Pim Sanders"),
    ("Eva Dijkstra", "Gert-Jan Mol"),
]
KEY_CONNECTOR = ("Bas", "Vermeulen")
KEY_CONNECTOR_ROTATION_DAYS = 61


def _demo_people(
    data: dict[str, Any], rng: random.Random
) -> tuple[dict[str, list[Person]], dict[str, Person]]:
    """People per organisation key (demo accounts first), and every person by full name."""
    orgs: dict[str, Organisation] = data["organisations"]
    key_of = {org.pk: key for key, org in orgs.items()}
    users: dict[str, User] = data["users"]
    today = timezone.localdate()
    now = timezone.now()
    by_org: dict[str, list[Person]] = {key: [] for key in orgs}
    by_name: dict[str, Person] = {}
    for email, user in users.items():
        person = person_for_user(user=user)
        by_name[person.full_name] = person
        for membership in Membership.objects.current().filter(user=user):
            affiliation_sync_from_membership(membership)
            key = key_of.get(membership.organisation_id)
            if key is None:
                continue
            by_org[key].append(person)
            Affiliation.objects.current().filter(
                person=person, organisation_id=membership.organisation_id, title=""
            ).update(title=USER_TITLES.get(email, ""))
    themes = list(Theme.objects.order_by("slug"))
    systems = list(System.objects.order_by("slug"))
    default_steward = by_name.get("Pieter de Vries")
    for first, last, org_key, title in PEOPLE:
        # Every draw happens on every run, so that the sequence stays the same.
        confirmed_days = rng.choice([rng.randint(5, 150)] * 9 + [rng.randint(200, 400)])
        rotation_days = rng.randint(240, 1100)
        start_days = rng.randint(200, 1400)
        picked_themes = rng.sample(themes, k=min(2, len(themes)))
        picked_systems = rng.sample(systems, k=min(1, len(systems)))
        steward = next((p for p in by_org[org_key] if p.user_id), default_steward)
        person, created = Person.objects.get_or_create(
            first_name=first,
            last_name=last,
            user=None,
            defaults={
                "steward": steward,
                "last_confirmed_at": now - timedelta(days=confirmed_days),
                "expertise": title,
            },
        )
        if created:
            person.themes.add(*picked_themes)
            person.systems.add(*picked_systems)
        rotation: date | None = None
        if (first, last) == KEY_CONNECTOR:
            rotation = today + timedelta(days=KEY_CONNECTOR_ROTATION_DAYS)
        elif org_key in ARMY:
            rotation = today + timedelta(days=rotation_days)
        Affiliation.objects.get_or_create(
            person=person,
            organisation=orgs[org_key],
            defaults={
                "title": title,
                "start_date": today - timedelta(days=start_days),
                "expected_rotation_date": rotation,
                "email": _email(first, last, org_key),
            },
        )
        by_org[org_key].append(person)
        by_name[person.full_name] = person
    return by_org, by_name


def _email(first: str, last: str, org_key: str) -> str:
    local = f"{first}.{last}".lower().replace(" ", "").replace("-", "")
    return f"{local}@{org_key}.example"


TieSpec = tuple[int, int, str, int, str]  # a, b, kind, strength, status


def _tie_specs(
    rng: random.Random, by_org: dict[str, list[Person]], by_name: dict[str, Person]
) -> dict[tuple[int, int], TieSpec]:
    specs: dict[tuple[int, int], TieSpec] = {}

    def add(p: Person, q: Person, kind: str, status: str = Tie.Status.CONFIRMED) -> None:
        a, b = sorted((p.pk, q.pk))
        if a != b:
            specs.setdefault((a, b), (a, b, kind, rng.randint(1, 3), status))

    for key in sorted(by_org):
        people = by_org[key]
        n = len(people)
        if n < 2:
            continue
        for i in range(n):  # a ring of colleagues, plus some shortcuts
            add(people[i], people[(i + 1) % n], Tie.Kind.COLLEAGUE)
        for _ in range(3 * n):
            p, q = rng.sample(people, 2)
            add(p, q, Tie.Kind.COLLEAGUE)
    kinds = [Tie.Kind.WORKED_TOGETHER, Tie.Kind.WORKED_TOGETHER, Tie.Kind.MET, Tie.Kind.INTRODUCED]
    for a_key, b_key, count in HEALTHY_PAIRS:
        side_a, side_b = by_org[a_key], by_org[b_key]
        # The first two ties use four different people, so the pair never hangs on one.
        first_a, first_b = rng.sample(side_a, 2), rng.sample(side_b, 2)
        add(first_a[0], first_b[0], rng.choice(kinds))
        add(first_a[1], first_b[1], rng.choice(kinds))
        for _ in range(count - 2):
            add(rng.choice(side_a), rng.choice(side_b), rng.choice(kinds))
    for p_name, q_name in SINGLE_THREADED_TIES:
        add(by_name[p_name], by_name[q_name], Tie.Kind.WORKED_TOGETHER)
    for p_name, q_name in PENDING_TIES:
        add(by_name[p_name], by_name[q_name], Tie.Kind.MET, Tie.Status.PENDING)
    return specs


def _store_ties(specs: dict[tuple[int, int], TieSpec], by_name: dict[str, Person]) -> None:
    ids = {pk for pair in specs for pk in pair}
    existing = set(
        Tie.objects.filter(source=Tie.Source.DECLARED, person_a__in=ids).values_list(
            "person_a_id", "person_b_id"
        )
    )
    now = timezone.now()
    Tie.objects.bulk_create(
        [
            Tie(
                person_a_id=a,
                person_b_id=b,
                source=Tie.Source.DECLARED,
                kind=kind,
                strength=strength,
                status=status,
                declared_by_id=a,
                confirmed_at=now if status == Tie.Status.CONFIRMED else None,
            )
            for (a, b), (_a, _b, kind, strength, status) in sorted(specs.items())
            if (a, b) not in existing
        ],
        batch_size=500,
    )


def _demo_snapshots_and_run() -> None:
    """A first analysis and half a year of monthly snapshots, so the pages have a story."""
    from .services.continuity import continuity_run_execute, network_kpis_now

    this_month = timezone.localdate().replace(day=1)
    if not NetworkSnapshot.objects.exists():
        current = network_kpis_now()
        month = this_month
        for back in range(6):
            # Earlier months had fewer links: the network grew through LMI.
            factor = 1 - back * 0.08
            NetworkSnapshot.objects.create(
                taken_on=month,
                metrics={
                    **current,
                    "connected_pairs": round(int(current["connected_pairs"]) * factor),
                    "single_threaded_pairs": int(current["single_threaded_pairs"]) + back // 2,
                    "ties": round(int(current["ties"]) * factor),
                },
            )
            month = (month - timedelta(days=1)).replace(day=1)
    if not ContinuityRun.objects.filter(status=ContinuityRun.Status.DONE).exists():
        run = ContinuityRun.objects.create()
        continuity_run_execute(run_id=run.pk)


@transaction.atomic
def seed_demo(data: dict[str, Any]) -> None:
    rng = random.Random(SEED)
    by_org, by_name = _demo_people(data, rng)
    _store_ties(_tie_specs(rng, by_org, by_name), by_name)
    _demo_snapshots_and_run()
    data["people"] = by_name


# --- Scale data -----------------------------------------------------------------------------------

SAME_ORGANISATION_SHARE = 0.6
PENDING_SHARE = 0.05
ROTATING_SHARE = 0.1


def _scale_people(rng: random.Random) -> None:
    """A person for every scale account, and an affiliation for every scale membership."""
    now = timezone.now()
    missing = User.objects.filter(email__endswith="@scale.example", person__isnull=True)
    Person.objects.bulk_create(
        [
            Person(
                user_id=pk,
                first_name=first,
                last_name=last,
                last_confirmed_at=now - timedelta(days=rng.randint(0, 400)),
            )
            for pk, first, last in missing.values_list("pk", "first_name", "last_name")
        ],
        batch_size=2000,
    )
    person_of = dict(
        Person.objects.filter(user__email__endswith="@scale.example").values_list("user_id", "pk")
    )
    have = set(
        Affiliation.objects.filter(person__user__email__endswith="@scale.example").values_list(
            "person_id", "organisation_id"
        )
    )
    today = timezone.localdate()
    rows = []
    for user_id, org_id, title, start, end, email in (
        Membership.objects.filter(user__email__endswith="@scale.example")
        .order_by("pk")
        .values_list(
            "user_id", "organisation_id", "job_title", "start_date", "end_date", "user__email"
        )
    ):
        person_id = person_of[user_id]
        if (person_id, org_id) in have:
            continue
        rotation = None
        if end is None and rng.random() < ROTATING_SHARE:
            rotation = today + timedelta(days=rng.randint(-30, 1100))
        rows.append(
            Affiliation(
                person_id=person_id,
                organisation_id=org_id,
                title=title,
                start_date=start,
                end_date=end,
                expected_rotation_date=rotation,
                email=email,
            )
        )
    Affiliation.objects.bulk_create(rows, batch_size=2000)


def _scale_ties(rng: random.Random, target: int) -> None:
    """Top the ties among scale people up to ``target``: most within an organisation."""
    scale = Person.objects.filter(user__email__endswith="@scale.example")
    people_by_org: dict[int, list[int]] = {}
    for person_id, org_id in (
        Affiliation.objects.filter(person__in=scale)
        .order_by("pk")
        .values_list("person_id", "organisation_id")
    ):
        people_by_org.setdefault(org_id, []).append(person_id)
    everyone = sorted({p for people in people_by_org.values() for p in people})
    if len(everyone) < 2:
        return
    existing = set(
        Tie.objects.filter(person_a__in=scale, source=Tie.Source.DECLARED).values_list(
            "person_a_id", "person_b_id"
        )
    )
    needed = target - len(existing)
    org_lists = [people for people in people_by_org.values() if len(people) >= 2]
    possible = len(everyone) * (len(everyone) - 1) // 2
    needed = min(needed, possible - len(existing))
    kinds = [k for k, _label in Tie.Kind.choices]
    now = timezone.now()
    batch: list[Tie] = []
    attempts = 0
    while needed > 0 and attempts < needed * 20 + 1000:
        attempts += 1
        if org_lists and rng.random() < SAME_ORGANISATION_SHARE:
            p, q = rng.sample(rng.choice(org_lists), 2)
        else:
            p, q = rng.sample(everyone, 2)
        pair = (p, q) if p < q else (q, p)
        if pair in existing:
            continue
        existing.add(pair)
        needed -= 1
        pending = rng.random() < PENDING_SHARE
        batch.append(
            Tie(
                person_a_id=pair[0],
                person_b_id=pair[1],
                source=Tie.Source.DECLARED,
                kind=rng.choice(kinds),
                strength=rng.randint(1, 3),
                status=Tie.Status.PENDING if pending else Tie.Status.CONFIRMED,
                declared_by_id=pair[0],
                confirmed_at=None if pending else now,
            )
        )
        if len(batch) >= 5000:
            Tie.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Tie.objects.bulk_create(batch, batch_size=5000)


@transaction.atomic
def seed_scale(data: dict[str, Any]) -> None:
    """People records for the scale accounts and ``data['n_ties']`` ties among them."""
    rng = random.Random(int(data.get("seed", 2026)) + 20)
    _scale_people(rng)
    _scale_ties(rng, int(data.get("n_ties", 100_000)))
