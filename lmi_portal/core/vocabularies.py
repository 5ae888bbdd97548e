"""The seed vocabularies from the domain brief; admins edit them afterwards in the admin."""

from __future__ import annotations

from typing import Any

THEMES = [
    (
        "slim-voorspellend-onderhoud",
        "Slim en voorspellend onderhoud",
        "Smart and predictive maintenance",
    ),
    ("supply-chain-reservedelen", "Supply chain & reservedelen", "Supply chain & spare parts"),
    ("transport", "Transport", "Transport"),
    ("life-cycle-support", "Life-cycle support", "Life-cycle support"),
    ("personeel", "Personeel aantrekken & behouden", "Attracting & retaining staff"),
    ("opleiding-training", "Opleiding & training", "Education & training"),
    (
        "additive-manufacturing",
        "Additive manufacturing (3D-printen)",
        "Additive manufacturing (3D printing)",
    ),
    ("data-ai", "Data & AI", "Data & AI"),
    ("digital-twins", "Digital twins", "Digital twins"),
    (
        "contractvormen",
        "Contractvormen & samenwerkingsmodellen",
        "Contract forms & collaboration models",
    ),
    ("veldonderhoud", "Veldonderhoud", "Field maintenance"),
]

SYSTEMS = [
    ("boxer", "Boxer"),
    ("cv90", "CV90"),
    ("fennek", "Fennek"),
    ("leopard-2a8", "Leopard 2A8"),
    ("pzh-2000", "PzH 2000"),
    ("bushmaster", "Bushmaster"),
    ("scania-gryphus", "Scania Gryphus"),
    ("daf-trucks", "DAF-trucks"),
    ("vector", "Vector"),
    ("radarsystemen", "Radarsystemen"),
    ("communicatiesystemen", "Communicatiesystemen"),
]

SYSTEM_NAMES_EN = {
    "DAF-trucks": "DAF trucks",
    "Radarsystemen": "Radar systems",
    "Communicatiesystemen": "Communication systems",
}


def vocabularies_ensure(theme_model: Any, system_model: Any) -> None:
    """Create any missing seed theme or system; never changes what admins edited."""
    for position, (slug, nl, en) in enumerate(THEMES):
        theme_model.objects.get_or_create(
            slug=slug, defaults={"name_nl": nl, "name_en": en, "position": position}
        )
    for position, (slug, name) in enumerate(SYSTEMS):
        system_model.objects.get_or_create(
            slug=slug,
            defaults={
                "name_nl": name,
                "name_en": SYSTEM_NAMES_EN.get(name, name),
                "position": position,
            },
        )


def seed_demo(data: dict[str, Any]) -> None:
    """Demo seeder: the vocabularies exist even in a database emptied after migrating."""
    from .models import System, Theme

    vocabularies_ensure(Theme, System)
