"""The read log kept append-only by the database itself: triggers refuse every UPDATE and
DELETE on core_personaldataread and core_personaldatareadperson, whoever writes (the ORM, the
admin, a raw SQL statement, the database shell). Python refuses first (`_AppendOnly`); these
triggers hold when Python is bypassed.

Only the database's owner can lift them (dropping a trigger is a schema change, recorded by the
database's own logs): `drop` and `create` are for migrations and for the test suite's flush.

SQLite rebuilds a table to alter most of its columns, which drops its triggers silently: a
migration that alters a field of either table must wrap the change in
``RunPython(db_triggers.drop, db_triggers.create)`` … ``RunPython(db_triggers.create,
db_triggers.drop)`` (tests/core/test_readlog.py fails if the triggers are gone). PostgreSQL
alters tables in place and keeps them.
"""

TABLES = ("core_personaldataread", "core_personaldatareadperson")
MESSAGE = "the read log is append-only"

SQLITE_CREATE = [
    f"""CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END"""
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()}"
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION markaz_read_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END $$""",
    *(
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION markaz_read_log_refuse()"""
        for table in TABLES
    ),
]
POSTGRES_DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS markaz_read_log_refuse()",
]


def _statements(connection, *, creating: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return POSTGRES_CREATE if creating else POSTGRES_DROP
    return SQLITE_CREATE if creating else SQLITE_DROP


def create(apps, schema_editor) -> None:
    for sql in _statements(schema_editor.connection, creating=True):
        schema_editor.execute(sql)


def drop(apps, schema_editor) -> None:
    for sql in _statements(schema_editor.connection, creating=False):
        schema_editor.execute(sql)


def execute(connection, *, creating: bool) -> None:
    """The same on a plain connection (the test suite's flush drops and restores them)."""
    with connection.cursor() as cursor:
        for sql in _statements(connection, creating=creating):
            cursor.execute(sql)
