"""The first version of the common understanding; admins publish new versions later."""

from django.db import migrations

from partners.charter import TEXT_EN, TEXT_NL


def publish(apps, schema_editor):
    CommonUnderstanding = apps.get_model("partners", "CommonUnderstanding")
    CommonUnderstanding.objects.get_or_create(
        version=1, defaults={"text_nl": TEXT_NL, "text_en": TEXT_EN}
    )


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_onboarding")]
    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
