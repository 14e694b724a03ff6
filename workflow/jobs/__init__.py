"""Background jobs: the queue port (inline or RQ on Redis), the tasks by name, the worker and the
periodic schedule. See docs/jobs.md for the worker model and why the schedule lives in the database.

Services never import this package: ``workflow.services`` hands them callables that enqueue through
``core.jobs``.
"""

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role

# who acts in a job: the scheduler, the run and the sweeps act for the system, not for a person
JOBS_ACTOR = Actor(user_id=None, username="jobs", role=Role.ADMIN)
