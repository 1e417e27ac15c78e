"""Enqueue a background task by its dotted name.

One rule inside every app: `tasks` imports `services` (the work a task runs), never the other way.
A service that queues a task names it (`"markaz.programmes.tasks.allocation_run_task"`) and calls
`task_enqueue`, so `services` and `tasks` do not import each other.
"""

from django.utils.module_loading import import_string


def task_enqueue(path: str, /, **kwargs):
    """Queue the django-tasks task at `path` with `kwargs`; returns its TaskResult."""
    return import_string(path).enqueue(**kwargs)
