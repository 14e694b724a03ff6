"""Row ids as the API and the CLI accept them.

The primary keys are ``INTEGER`` columns: 32-bit signed on PostgreSQL, so an id outside
1..2^31-1 can name no row. Saying so in the input models turns a too-large id into a 422 naming
the field instead of a driver overflow (a 500) deep inside a query.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def is_id(value: int) -> bool:
    return 1 <= value <= MAX_ID
