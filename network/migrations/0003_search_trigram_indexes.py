"""PostgreSQL only: trigram indexes for people search.

People are found by substring (``icontains``, which PostgreSQL runs as ``UPPER(col) LIKE``) in
their names, expertise and post titles. Without an index every search reads all people and all
posts; with these, PostgreSQL combines the indexes (``network.selectors_search`` and
``core.search.substring_filter`` shape the query for it).
"""

from django.db import migrations

INDEXES = {
    "network_person_first_name_trgm": ("network_person", "first_name"),
    "network_person_last_name_trgm": ("network_person", "last_name"),
    "network_person_expertise_trgm": ("network_person", "expertise"),
    "network_affiliation_title_trgm": ("network_affiliation", "title"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_searchword"),
        ("network", "0002_flag_resolution_label"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
