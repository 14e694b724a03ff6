"""Background jobs: the queue port (inline or RQ on Redis), the tasks by name, the worker and the
periodic schedule. See docs/jobs.md for the worker model and why the schedule lives in the database.

Services never import this package: ``workflow.services`` hands them callables that enqueue through
``core.jobs``.
"""
