"""Seed themes and systems from the domain brief; admins edit them afterwards."""

from django.db import migrations

from lmi_portal.core.vocabularies import vocabularies_ensure


def seed(apps, schema_editor):
    vocabularies_ensure(apps.get_model("core", "Theme"), apps.get_model("core", "System"))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
