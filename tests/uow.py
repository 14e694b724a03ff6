"""Running a use case the way an entry point does: inside one unit of work for an actor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from workflow.accounts.actor import Actor
from workflow.core import Core
from workflow.unit_of_work import UnitOfWork

T = TypeVar("T")


def run(core: Core, actor: Actor, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(uow, *args, **kwargs)`` in its own unit of work, committed when it returns."""
    with core.unit_of_work(actor) as uow:
        return fn(uow, *args, **kwargs)


def read(core: Core, actor: Actor, fn: Callable[[UnitOfWork], T]) -> T:
    with core.unit_of_work(actor, read_only=True) as uow:
        return fn(uow)
