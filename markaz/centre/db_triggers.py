"""The building's occupancy kept by the database: triggers on centre_presence make
centre_centre.occupancy the number of the centre's open presences, for every writer (the door,
the day's closing, a person's erasure, the admin). With the CHECK constraint
occupancy <= max_occupancy (Centre.Meta), an entry past the cap fails as a whole, whoever
writes it.

SQLite and Django's table rebuilds: SQLite rebuilds a table to alter most of its columns
(create a copy, drop the old one, rename the copy). Dropping centre_presence drops its
triggers, silently; renaming a copy to centre_centre fails while the triggers name it
("error in trigger presence_count_insert: no such table"). A migration that alters a field of
either table must therefore wrap the change:

    operations = [
        migrations.RunPython(db_triggers.drop, db_triggers.create),
        migrations.AlterField(...),
        migrations.RunPython(db_triggers.create, db_triggers.drop),
    ]

(tests/centre/test_occupancy_triggers.py fails if the triggers are gone). PostgreSQL alters
tables in place and keeps them.
"""

SQLITE_CREATE = [
    """CREATE TRIGGER presence_count_insert AFTER INSERT ON centre_presence
    WHEN NEW.exited_at IS NULL
    BEGIN
        UPDATE centre_centre SET occupancy = occupancy + 1 WHERE id = NEW.centre_id;
    END""",
    """CREATE TRIGGER presence_count_delete AFTER DELETE ON centre_presence
    WHEN OLD.exited_at IS NULL
    BEGIN
        UPDATE centre_centre SET occupancy = occupancy - 1 WHERE id = OLD.centre_id;
    END""",
    """CREATE TRIGGER presence_count_update AFTER UPDATE OF exited_at, centre_id ON centre_presence
    WHEN (OLD.exited_at IS NULL) <> (NEW.exited_at IS NULL) OR OLD.centre_id <> NEW.centre_id
    BEGIN
        UPDATE centre_centre SET occupancy = occupancy - 1
            WHERE id = OLD.centre_id AND OLD.exited_at IS NULL;
        UPDATE centre_centre SET occupancy = occupancy + 1
            WHERE id = NEW.centre_id AND NEW.exited_at IS NULL;
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS presence_count_insert",
    "DROP TRIGGER IF EXISTS presence_count_delete",
    "DROP TRIGGER IF EXISTS presence_count_update",
]

POSTGRES_CREATE = [
    """CREATE FUNCTION centre_presence_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF OLD.exited_at IS NULL THEN
                UPDATE centre_centre SET occupancy = occupancy - 1 WHERE id = OLD.centre_id;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.exited_at IS NULL THEN
                UPDATE centre_centre SET occupancy = occupancy + 1 WHERE id = NEW.centre_id;
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER presence_count_insert AFTER INSERT ON centre_presence
    FOR EACH ROW WHEN (NEW.exited_at IS NULL) EXECUTE FUNCTION centre_presence_count()""",
    """CREATE TRIGGER presence_count_delete AFTER DELETE ON centre_presence
    FOR EACH ROW WHEN (OLD.exited_at IS NULL) EXECUTE FUNCTION centre_presence_count()""",
    """CREATE TRIGGER presence_count_update AFTER UPDATE OF exited_at, centre_id ON centre_presence
    FOR EACH ROW WHEN ((OLD.exited_at IS NULL) <> (NEW.exited_at IS NULL)
                       OR OLD.centre_id <> NEW.centre_id)
    EXECUTE FUNCTION centre_presence_count()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS presence_count_insert ON centre_presence",
    "DROP TRIGGER IF EXISTS presence_count_delete ON centre_presence",
    "DROP TRIGGER IF EXISTS presence_count_update ON centre_presence",
    "DROP FUNCTION IF EXISTS centre_presence_count()",
]

RECOUNT = """UPDATE centre_centre SET occupancy = (
    SELECT COUNT(*) FROM centre_presence p
    WHERE p.centre_id = centre_centre.id AND p.exited_at IS NULL)"""


def _run(schema_editor, statements) -> None:
    for sql in statements:
        schema_editor.execute(sql)


def create(apps, schema_editor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    _run(schema_editor, [RECOUNT, *(POSTGRES_CREATE if postgres else SQLITE_CREATE)])


def drop(apps, schema_editor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    _run(schema_editor, POSTGRES_DROP if postgres else SQLITE_DROP)
