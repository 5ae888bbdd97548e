"""Demo and scale data for initiatives."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from partners.models import TLP, Organisation

from .models import Initiative, Participation, Phase

# title, owner, phase, tlp, summary, participants, shared groups, named people
DEMO_INITIATIVES: list[dict[str, Any]] = [
    {
        "title": "Voorspellend onderhoud Boxer met sensordata",
        "owner": "ddvs",
        "phase": Phase.PILOT,
        "tlp": TLP.AMBER,
        "summary": "Trillings- en temperatuurdata van de aandrijflijn gebruiken om onderhoud te plannen "
        "voordat er iets stukgaat. Pilot met tien voertuigen van 13 Lichte Brigade.",
        "participants": ["lmi", "dgs", "13lbrig"],
        "lead": "sanne.bakker@ddvs.example",
    },
    {
        "title": "3D-geprinte reservedelen in het veld",
        "owner": "bp3d",
        "phase": Phase.EXPLORATION,
        "tlp": TLP.GREEN,
        "summary": "Verkennen welke kunststof en metalen onderdelen veilig in het veld geprint kunnen "
        "worden, en wie de certificering regelt.",
        "participants": ["tno", "dgs"],
        "lead": "tom.hendriks@bp3d.example",
    },
    {
        "title": "Gezamenlijke opleiding monteurs wielvoertuigen",
        "owner": "lmi",
        "phase": Phase.ELABORATION,
        "tlp": TLP.GREEN,
        "summary": "Defensie- en bedrijfsmonteurs volgen samen een module aandrijflijnen, zodat ze "
        "elkaars werk kunnen overnemen.",
        "participants": ["ddvs", "rmmv", "scania"],
        "lead": "pm@lmi.example",
    },
    {
        "title": "Ervaringen met prestatiegebaseerd onderhoudscontract",
        "owner": "rmmv",
        "phase": Phase.IDEA,
        "tlp": TLP.AMBER_STRICT,
        "summary": "Interne evaluatie van de eerste twee jaar van het contract: wat werkte, wat niet.",
        "participants": [],
        "lead": "lotte.smit@rmmv.example",
    },
    {
        "title": "Personeelsuitwisseling Defensie en industrie",
        "owner": "lmi",
        "phase": Phase.IMPLEMENTATION,
        "tlp": TLP.CLEAR,
        "summary": "Technici lopen een half jaar mee bij een partner. Dat houdt vakmensen binnen het "
        "domein en bouwt het netwerk op werkvloerniveau.",
        "participants": ["ddvs", "rmmv", "scania", "thales", "vhm"],
        "lead": "pm@lmi.example",
    },
    {
        "title": "Reservedelenpool Scania Gryphus",
        "owner": "scania",
        "phase": Phase.EMBEDDED,
        "tlp": TLP.AMBER,
        "summary": "Een gedeelde voorraad kritieke onderdelen verkort de stilstand van voertuigen.",
        "participants": ["dgs"],
        "groups": ["LMI-kern"],
        "lead": None,
    },
    {
        "title": "Knelpunten leveringszekerheid (vertrouwelijk)",
        "owner": "dgs",
        "phase": Phase.EXPLORATION,
        "tlp": TLP.RED,
        "summary": "Overzicht van leveranciers met leveringsproblemen; alleen voor genoemde personen.",
        "participants": [],
        "people": ["eva.dijkstra@dgs.example", "pm@lmi.example"],
        "lead": "eva.dijkstra@dgs.example",
    },
]


@transaction.atomic
def seed_demo(data: dict[str, Any]) -> None:
    orgs: dict[str, Organisation] = data["organisations"]
    users = data["users"]
    groups = data["sharing_groups"]
    for spec in DEMO_INITIATIVES:
        initiative, created = Initiative.objects.get_or_create(
            title=spec["title"],
            owner_organisation=orgs[spec["owner"]],
            defaults={
                "summary": spec["summary"],
                "phase": spec["phase"],
                "tlp": spec["tlp"],
                "lead": users.get(spec["lead"]) if spec["lead"] else None,
                "created_by": users.get(spec["lead"]) if spec["lead"] else None,
            },
        )
        if not created:
            continue
        for key in spec["participants"]:
            Participation.objects.get_or_create(initiative=initiative, organisation=orgs[key])
        initiative.shared_with_groups.set([groups[name] for name in spec.get("groups", [])])
        initiative.shared_with_people.set([users[email] for email in spec.get("people", [])])


WORDS = [
    "onderhoud",
    "reservedelen",
    "sensoren",
    "opleiding",
    "logistiek",
    "digital twin",
    "3D-printen",
    "veldwerkplaats",
    "contractvorm",
    "monteurs",
    "Boxer",
    "CV90",
    "Fennek",
    "Leopard 2A8",
    "Bushmaster",
    "DAF",
    "Vector",
    "radar",
    "data",
    "voorraad",
]


@transaction.atomic
def seed_scale(data: dict[str, Any]) -> None:
    """Add scale initiatives across all TLP levels, phases and scale organisations."""
    rng = random.Random(data.get("seed", 2026))
    target = int(data["n_initiatives"])
    org_ids: list[int] = data["scale_organisation_ids"]
    existing = Initiative.objects.filter(title__startswith="Schaalinitiatief ").count()
    phases = [p for p, _ in Phase.choices]
    tlps = [TLP.GREEN] * 5 + [TLP.AMBER] * 3 + [TLP.AMBER_STRICT, TLP.CLEAR, TLP.RED]
    batch = [
        Initiative(
            title=f"Schaalinitiatief {i:06d}: {rng.choice(WORDS)} en {rng.choice(WORDS)}",
            summary=" ".join(rng.choice(WORDS) for _ in range(30)),
            phase=rng.choice(phases),
            tlp=rng.choice(tlps),
            owner_organisation_id=rng.choice(org_ids),
        )
        for i in range(existing, target)
    ]
    Initiative.objects.bulk_create(batch, batch_size=2000)
    new_ids = list(
        Initiative.objects.filter(
            title__startswith="Schaalinitiatief ", participations__isnull=True
        ).values_list("pk", flat=True)
    )
    Participation.objects.bulk_create(
        [
            Participation(initiative_id=pk, organisation_id=org)
            for pk in new_ids
            for org in rng.sample(org_ids, k=min(2, len(org_ids)))
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
