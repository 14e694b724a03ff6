"""Shipped legal data: ``calendar.json`` (one object per year), ``lpr.csv`` (the LPR) and
``pboc_benchmark.csv`` (the PBOC benchmark lending rates, 2002–2015, every tenor); each rate row
names its source and whether it was checked against the announcement (docs/law.md §5).

``calendar.json`` is generated from the ``chinesecalendar`` package by ``python -m
workflow.law.seed`` and committed, so the holidays a deadline was computed with can be read and
reviewed in the repository, and a dependency upgrade never changes a deadline silently. Years the
package does not have yet are added by the administrator (``dunning calendar add-year``).
"""
