"""Seed themes and systems from the domain brief; admins edit them afterwards."""

from django.db import migrations

THEMES = [
    ("slim-voorspellend-onderhoud", "Slim en voorspellend onderhoud", "Smart and predictive maintenance"),
    ("supply-chain-reservedelen", "Supply chain & reservedelen", "Supply chain & spare parts"),
    ("transport", "Transport", "Transport"),
    ("life-cycle-support", "Life-cycle support", "Life-cycle support"),
    ("personeel", "Personeel aantrekken & behouden", "Attracting & retaining staff"),
    ("opleiding-training", "Opleiding & training", "Education & training"),
    ("additive-manufacturing", "Additive manufacturing (3D-printen)", "Additive manufacturing (3D printing)"),
    ("data-ai", "Data & AI", "Data & AI"),
    ("digital-twins", "Digital twins", "Digital twins"),
    ("contractvormen", "Contractvormen & samenwerkingsmodellen", "Contract forms & collaboration models"),
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


def seed(apps, schema_editor):
    Theme = apps.get_model("core", "Theme")
    System = apps.get_model("core", "System")
    for position, (slug, nl, en) in enumerate(THEMES):
        Theme.objects.get_or_create(slug=slug, defaults={"name_nl": nl, "name_en": en, "position": position})
    for position, (slug, name) in enumerate(SYSTEMS):
        en = {"DAF-trucks": "DAF trucks", "Radarsystemen": "Radar systems",
              "Communicatiesystemen": "Communication systems"}.get(name, name)
        System.objects.get_or_create(slug=slug, defaults={"name_nl": name, "name_en": en, "position": position})


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
