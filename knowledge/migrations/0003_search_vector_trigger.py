from django.db import migrations

# PostgreSQL keeps every knowledge item's search vector in step with its text, also for rows
# written by bulk_create or update(): title weighs A, summary B, the whole search text
# (body and file text) C. It runs when the text changes, or when a write leaves the vector
# empty (knowledge_item_reindex does that on purpose, and so does saving an item object that
# was created in memory).
CREATE = [
    """
CREATE OR REPLACE FUNCTION knowledge_item_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('dutch', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('dutch', coalesce(NEW.summary, '')), 'B')
        || setweight(to_tsvector('dutch', left(coalesce(NEW.search_text, ''), 500000)), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql
    """,
    """
CREATE TRIGGER knowledge_item_search_vector_insert
    BEFORE INSERT ON knowledge_knowledgeitem
    FOR EACH ROW EXECUTE FUNCTION knowledge_item_search_vector()
    """,
    """
CREATE TRIGGER knowledge_item_search_vector_update
    BEFORE UPDATE ON knowledge_knowledgeitem
    FOR EACH ROW
    WHEN (
        NEW.search_vector IS NULL
        OR OLD.title IS DISTINCT FROM NEW.title
        OR OLD.summary IS DISTINCT FROM NEW.summary
        OR OLD.search_text IS DISTINCT FROM NEW.search_text
    )
    EXECUTE FUNCTION knowledge_item_search_vector()
    """,
    # Existing rows get their vector now.
    "UPDATE knowledge_knowledgeitem SET search_vector = NULL",
]

DROP = [
    "DROP TRIGGER IF EXISTS knowledge_item_search_vector_update ON knowledge_knowledgeitem",
    "DROP TRIGGER IF EXISTS knowledge_item_search_vector_insert ON knowledge_knowledgeitem",
    "DROP FUNCTION IF EXISTS knowledge_item_search_vector()",
]


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_vector_index")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
