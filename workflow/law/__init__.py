"""PRC rules as pure functions: working days, LPR table, late interest, limitation, 人民币大写.

Nothing here imports the rest of the application, a database or Flask: the same functions serve
the API, the CLI, the dunning run and the documents. Data the law changes (holidays, rates) comes
in as values (``WorkCalendar``, ``RateTable``); refusals are ``LawRefusal`` naming the input field.
"""

from workflow.law.refusals import LawRefusal

__all__ = ["LawRefusal"]
