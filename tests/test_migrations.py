"""Migrations are safe to deploy and to roll back.

`make check` already runs `makemigrations --check` (models and migrations agree). These tests
add: every operation can be reversed (RunPython/RunSQL carry a reverse, `noop` when there is
nothing to undo), no migration after the initial ones adds a NOT NULL column that Django cannot
fill in the existing rows (the ALTER TABLE would fail on a table with rows), and the project's
apps migrate down to zero and up again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.models import NOT_PROVIDED

PROJECT_APPS = ("core", "partners", "network", "initiatives", "knowledge")


def _project_migrations() -> list[migrations.Migration]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = [m for (app, _name), m in loader.disk_migrations.items() if app in PROJECT_APPS]
    assert {m.app_label for m in found} == set(PROJECT_APPS)
    return sorted(found, key=lambda m: (m.app_label, m.name))


def _operations(operations: list[Operation]) -> Iterator[Operation]:
    for operation in operations:
        yield operation
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from _operations(operation.database_operations)


def test_every_migration_operation_is_reversible():
    irreversible = [
        f"{m.app_label}.{m.name}: {op.describe()}"
        for m in _project_migrations()
        for op in _operations(m.operations)
        if not op.reversible
    ]
    assert irreversible == [], "give RunPython/RunSQL a reverse (RunPython.noop if nothing to undo)"


def test_no_migration_adds_a_not_null_column_without_default_to_an_existing_table():
    unsafe = []
    for migration in _project_migrations():
        if migration.initial:
            continue  # initial migrations only ever run on empty tables
        created_here = {
            op.name_lower for op in migration.operations if isinstance(op, migrations.CreateModel)
        }
        for op in _operations(migration.operations):
            if not isinstance(op, migrations.AddField) or op.model_name in created_here:
                continue
            field = op.field
            if field.many_to_many or field.null or field.db_default is not NOT_PROVIDED:
                continue
            # What Django writes into the existing rows: the default, "" for blank text, now for
            # auto_now(_add); None means the ALTER TABLE fails on a table with rows.
            if BaseDatabaseSchemaEditor._effective_default(field) is not None:
                continue
            unsafe.append(f"{migration.app_label}.{migration.name}: {op.describe()}")
    assert unsafe == []


@pytest.mark.django_db(transaction=True)
def test_project_apps_migrate_to_zero_and_back():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([(app, None) for app in PROJECT_APPS])

    executor = MigrationExecutor(connection)
    applied = {app for app, _name in executor.loader.applied_migrations}
    assert applied.isdisjoint(PROJECT_APPS)
    assert "partners_organisation" not in connection.introspection.table_names()

    executor.migrate(leaves)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert "partners_organisation" in connection.introspection.table_names()
