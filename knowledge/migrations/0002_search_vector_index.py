from django.db import migrations

INDEX = "knowledge_item_search_vector_gin"


def create_index(apps, schema_editor):
    """PostgreSQL only: a GIN index on the full-text search vector."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON knowledge_knowledgeitem USING gin (search_vector)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
