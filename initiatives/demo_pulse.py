"""Demo and scale data for the Samenwerkingsmonitor. Every answer is fabricated.

``seed_demo_pulse`` adds a closed spring round and an open autumn round for the demo accounts,
leaving daan.mulder@rmmv.example invited but not answered (the browser journey answers for him).
``seed_scale_pulse`` adds a network-wide round with 500 responses (and an earlier one for the
trend) for the benchmark. Both are idempotent: a round that exists by title is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from lmi_portal.core.notifications import notification_send
from partners.models import Membership, User

from .models import PulseForm, PulseInvitation, PulseResponse, PulseRound
from .pulse_items import ORG_KIND_SUGGESTION, statements_for

SPRING_TITLE = "Samenwerkingsmonitor voorjaar 2026"
AUTUMN_TITLE = "Samenwerkingsmonitor najaar 2026"
PM_EMAIL = "pm@lmi.example"
# Invited to the open round but not answered yet, so that the journey can answer.
NOT_YET_ANSWERED = ("daan.mulder@rmmv.example",)
DEMO_DOMAIN_SUFFIX = ".example"

SCALE_TITLE = "Schaalmonitor najaar 2026"
SCALE_EARLIER_TITLE = "Schaalmonitor voorjaar 2026"
SCALE_RESPONSES = 500
SCALE_EARLIER_RESPONSES = 400
SCALE_INVITED = 650

# Mean answer per factor: middelen stays low (time and money for working together are scarce),
# the rest improves a little from spring to autumn.
SPRING = {
    "urgentie": 3.9,
    "steun": 3.2,
    "verwachtingen": 3.6,
    "leiderschap": 3.3,
    "middelen": 1.9,
    "werkwijze": 2.7,
    "evaluatie": 2.8,
    "can_do": 3.0,
}
AUTUMN = {
    "urgentie": 4.0,
    "steun": 3.5,
    "verwachtingen": 3.7,
    "leiderschap": 3.8,
    "middelen": 2.0,
    "werkwijze": 3.1,
    "evaluatie": 3.3,
    "can_do": 3.2,
}

OPEN_ANSWERS = [
    "Vaste contactpersonen per systeem, ook op werkvloerniveau.",
    "Tijd vrijmaken: nu gaat LMI-werk er 's avonds bij.",
    "Een overzicht van wie waarmee bezig is, zodat je niet dubbel werk doet.",
    "Successen vaker delen in de werkgroep, niet alleen de problemen.",
    "Monteurs van Defensie en industrie vaker samen laten werken.",
    "Sneller besluiten over kleine pilots, zonder lange aanbesteding.",
    "Een budget voor gezamenlijke proeven.",
    "Meer terugkoppeling over wat er met onze ideeën gebeurt.",
]


def _answers(rng: random.Random, profile: dict[str, float], offset: float = 0.0) -> dict:
    answers: dict[str, int | None] = {}
    for statement in statements_for(PulseForm.FULL):
        draw = rng.random()
        if draw < 0.04:
            continue  # left open
        if draw < 0.08:
            answers[statement.id] = None  # n.v.t.
            continue
        value = rng.gauss(profile[statement.factor] + offset, 0.8)
        answers[statement.id] = min(5, max(1, round(value)))
    return answers


def _demo_members() -> list[tuple[User, str]]:
    """Active demo accounts with a counting membership, each with the monitor's organisation
    kind of their (first) organisation."""
    memberships = (
        Membership.objects.counting()
        .filter(user__is_active=True, user__email__endswith=DEMO_DOMAIN_SUFFIX)
        .exclude(user__email__endswith="@scale.example")
        .select_related("user", "organisation")
        .order_by("user_id", "organisation_id")
    )
    seen: dict[int, tuple[User, str]] = {}
    for m in memberships:
        if m.user_id not in seen:
            kind = ORG_KIND_SUGGESTION.get(m.organisation.kind, PulseResponse.OrgKind.OTHER)
            seen[m.user_id] = (m.user, kind)
    return list(seen.values())


def _demo_round(
    rng: random.Random,
    *,
    title: str,
    profile: dict[str, float],
    days_ago: int,
    open_days: int,
    members: list[tuple[User, str]],
    opened_by: User | None,
    closed: bool,
) -> None:
    if PulseRound.objects.filter(title=title).exists():
        return
    now = timezone.now()
    opens_at = now - timedelta(days=days_ago)
    closes_at = opens_at + timedelta(days=open_days)
    round_ = PulseRound.objects.create(
        title=title,
        form=PulseForm.FULL,
        opened_by=opened_by,
        opens_at=opens_at,
        closes_at=closes_at,
        closed_at=closes_at if closed else None,
    )
    waiting = [u for u, _k in members if not closed and u.email in NOT_YET_ANSWERED]
    PulseInvitation.objects.bulk_create(
        [PulseInvitation(round=round_, user=u, answered=u not in waiting) for u, _k in members]
    )
    respondents = [(u, kind) for u, kind in members if u not in waiting]
    rng.shuffle(respondents)  # no order to match against the accounts
    PulseResponse.objects.bulk_create(
        [
            PulseResponse(
                round=round_,
                org_kind=kind,
                level=rng.choice(
                    [
                        PulseResponse.Level.MANAGEMENT,
                        PulseResponse.Level.WORKING,
                        PulseResponse.Level.WORKING,
                    ]
                ),
                answers=_answers(rng, profile),
                open_answer=rng.choice(OPEN_ANSWERS) if rng.random() < 0.7 else "",
            )
            for _u, kind in respondents
        ]
    )
    if waiting:
        url = reverse("initiatives:pulse_answer", kwargs={"pk": round_.pk})
        notification_send(
            recipients=waiting,
            verb="pulse.invited",
            text=lambda: gettext("Vul de Samenwerkingsmonitor in: %(title)s") % {"title": title},
            url=url,
            actor=opened_by,
        )


@transaction.atomic
def seed_demo_pulse(data: dict[str, Any]) -> None:
    """A closed spring round and an open autumn round for the demo accounts (looked up by
    email, so ``data`` may be empty)."""
    rng = random.Random(2026)
    members = _demo_members()
    if not members:
        return
    opened_by = User.objects.filter(email=PM_EMAIL).first()
    _demo_round(
        rng,
        title=SPRING_TITLE,
        profile=SPRING,
        days_ago=200,
        open_days=21,
        members=members,
        opened_by=opened_by,
        closed=True,
    )
    _demo_round(
        rng,
        title=AUTUMN_TITLE,
        profile=AUTUMN,
        days_ago=6,
        open_days=30,
        members=members,
        opened_by=opened_by,
        closed=False,
    )


# --- Scale ----------------------------------------------------------------------------------

KIND_WEIGHTS = [
    (PulseResponse.OrgKind.DEFENCE, 40),
    (PulseResponse.OrgKind.INDUSTRY, 45),
    (PulseResponse.OrgKind.OTHER, 15),
]
LEVEL_WEIGHTS = [(PulseResponse.Level.MANAGEMENT, 35), (PulseResponse.Level.WORKING, 65)]


def _weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _scale_round(
    rng: random.Random,
    *,
    title: str,
    profile: dict[str, float],
    responses: int,
    days_ago: int,
    user_ids: list[int],
    closed: bool,
) -> PulseRound:
    existing = PulseRound.objects.filter(title=title).first()
    if existing is not None:
        return existing
    opens_at = timezone.now() - timedelta(days=days_ago)
    closes_at = opens_at + timedelta(days=30)
    round_ = PulseRound.objects.create(
        title=title,
        form=PulseForm.FULL,
        opens_at=opens_at,
        closes_at=closes_at,
        closed_at=closes_at if closed else None,
    )
    PulseInvitation.objects.bulk_create(
        [
            PulseInvitation(round=round_, user_id=pk, answered=i < responses)
            for i, pk in enumerate(user_ids)
        ],
        batch_size=2000,
    )
    batch = []
    for _i in range(responses):
        kind = _weighted(rng, KIND_WEIGHTS)
        level = _weighted(rng, LEVEL_WEIGHTS)
        # The thesis's finding: the working level connects less well than management.
        offset = -0.3 if level == PulseResponse.Level.WORKING else 0.2
        batch.append(
            PulseResponse(
                round=round_,
                org_kind=kind,
                level=level,
                answers=_answers(rng, profile, offset),
                open_answer=rng.choice(OPEN_ANSWERS) if rng.random() < 0.3 else "",
            )
        )
    PulseResponse.objects.bulk_create(batch, batch_size=500)
    return round_


@transaction.atomic
def seed_scale_pulse(data: dict[str, Any]) -> None:
    """A network-wide round with 500 responses, and an earlier one, over the scale accounts."""
    rng = random.Random(int(data.get("seed", 2026)))
    user_ids = list(
        User.objects.filter(email__endswith="@scale.example", is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:SCALE_INVITED]
    )
    _scale_round(
        rng,
        title=SCALE_EARLIER_TITLE,
        profile=SPRING,
        responses=SCALE_EARLIER_RESPONSES,
        days_ago=200,
        user_ids=user_ids,
        closed=True,
    )
    current = _scale_round(
        rng,
        title=SCALE_TITLE,
        profile=AUTUMN,
        responses=SCALE_RESPONSES,
        days_ago=10,
        user_ids=user_ids,
        closed=False,
    )
    data["scale_pulse_round_id"] = current.pk
