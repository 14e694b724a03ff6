"""Chinese line breaking on the bundle's pages: no line of a court document starts with "。"."""

from __future__ import annotations

from workflow.evidence.linebreak import NO_START, break_lines


def one_each(ch: str) -> float:
    return 1.0  # every character one unit wide: the tests count characters


def test_a_closing_bracket_and_full_stop_move_down_with_the_character_before_them() -> None:
    text = "贵司应付我司的账款已逾期未付（最早到期日为2026年8月31日）。截至本函日期"
    lines = break_lines(text, 32, one_each)
    # 32 characters reach "）" exactly; "。" may not start the next line, and neither may "）", so
    # "日）" go down with it
    assert lines[0].endswith("31") and lines[1].startswith("日）。")
    assert "".join(lines) == text
    assert all(line[0] not in NO_START for line in lines if line)


def test_an_opening_bracket_never_ends_a_line_and_numbers_stay_whole() -> None:
    lines = break_lines("未付金额合计（含税）CNY 42500.50，请于2026年12月6日前付款", 10, one_each)
    assert all(not line.endswith("（") for line in lines)
    assert any(line.startswith("42500.50，") for line in lines)
    assert all(line[0] not in NO_START for line in lines if line)


def test_the_texts_own_line_ends_are_kept_and_short_text_is_untouched() -> None:
    assert break_lines("此致\n敬礼", 40, one_each) == ["此致", "敬礼"]
    assert break_lines("", 40, one_each) == [""]
