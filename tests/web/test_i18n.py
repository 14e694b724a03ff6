"""Every message of every page and template has its Chinese translation."""

from __future__ import annotations

from workflow.web.ui import catalogue_check


def test_every_message_of_the_desk_is_translated() -> None:
    found = catalogue_check.messages()
    assert len(found) > 30  # the extraction really sees the desk
    gaps = catalogue_check.missing()
    assert not gaps, "untranslated (python -m workflow.web.ui.catalogue_check):\n" + "\n".join(
        f"{f}:{n}  {m}" for f, n, m in gaps[:50])


def test_one_message_has_one_wording_across_the_desk() -> None:
    clashes = catalogue_check.conflicts()
    assert not clashes, "the same message translated differently by two areas:\n" + "\n".join(
        f"{m}: {w}" for m, w in clashes.items())
