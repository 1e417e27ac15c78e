"""Django's `loaddata`, with the building counted once.

A dump holds each centre's `occupancy` and its open presences; loading the presences ran the
occupancy triggers (markaz/centre/db_triggers.py) on top of the dumped count and doubled it
(issue 13). Here the triggers are set aside for the load and put back at its end, which
recounts every centre from its open presences, all in the load's own transaction.
"""

from django.core.management.commands import loaddata
from django.db import connections

from markaz.centre import db_triggers


class _Executor:
    """What db_triggers needs of a schema editor: a connection and `execute`."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        connection = connections[self.using]
        tables = connection.introspection.table_names()
        if "centre_presence" not in tables or "centre_centre" not in tables:
            return super().loaddata(fixture_labels)
        executor = _Executor(connection)
        db_triggers.drop(None, executor)
        # On an error the load's transaction rolls back, the dropped triggers with it.
        result = super().loaddata(fixture_labels)
        db_triggers.create(None, executor)
        return result
