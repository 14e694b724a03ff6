"""The `dunning` command speaks one language, the user's (DUNNING_LOCALE): its own help, click's words
around it (Usage, Options, --help, a usage error) and `check-settings`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from workflow.cli import _HELP, cli, click_zh, run

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# values a user types or reads as they are, which an English help may show: the Chinese names
# `import --kind` accepts
SAMPLES = ("客户", "联系人", "合同", "应收发票", "收款")
CLICK_EN = ("Usage:", "Options:", "Commands:", "Positional arguments:", "Show this message and exit", "[default:",
            "required]", "[OPTIONS]", "COMMAND [ARGS]", " TEXT", " INTEGER")
HELP_CALLS = (["--help"], ["calc", "--help"], ["calc", "interest", "--help"], ["calc", "claim", "--help"],
              ["import", "--help"], ["check-settings"])


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key in [k for k in os.environ if k.startswith("DUNNING_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("DUNNING_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DUNNING_PDF_CONVERTER", "none")
    monkeypatch.setenv("DUNNING_MAIL_FROM_NAME", "Accounts Receivable")  # a value, not our words
    yield tmp_path


def _call(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _english_in_chinese(text: str) -> list[str]:
    """Our English help sentences and click's English words found in ``text``."""
    ours = [en for zh, en in _HELP.values()
            if zh != en and re.search(r"(?<![\w-])" + re.escape(en) + r"(?![\w-])", text)]
    return ours + [w for w in CLICK_EN if w in text]


def _chinese_in_english(text: str) -> list[str]:
    for sample in SAMPLES:
        text = text.replace(sample, "")
    return CJK.findall(text)


@pytest.mark.parametrize("args", HELP_CALLS, ids=" ".join)
def test_chinese_help_has_no_english(fresh: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = _call(args, capsys)
    assert code == 0, err
    assert CJK.search(out)
    assert _english_in_chinese(out + err) == []
    if args[-1] == "--help":
        assert out.startswith("用法：dunning") and ("选项：" in out)


@pytest.mark.parametrize("args", HELP_CALLS, ids=" ".join)
def test_english_help_has_no_chinese(fresh: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    code, out, err = _call(args, capsys)
    assert code == 0, err
    assert _chinese_in_english(out + err) == []
    if args[-1] == "--help":
        assert out.startswith("Usage: dunning") and "Options:" in out


def test_subcommand_help_is_translated_whole(fresh: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's text, its argument's and options' help, and click's words around them; asked
    again in the other language in the same process, all of it switches."""
    _, zh, _ = _call(["calc", "claim", "--help"], capsys)
    assert "客户的债权" in zh and "参数：" in zh and "CUSTOMER_ID  客户编号" in zh
    assert "计算截止日" in zh and "显示此帮助并退出" in zh and "--currency 文本" in zh
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    _, en, _ = _call(["calc", "claim", "--help"], capsys)
    assert "A customer's claim as JSON" in en and "Positional arguments:" in en
    assert "the day to compute to" in en and "Show this message and exit." in en and "--currency TEXT" in en
    monkeypatch.setenv("DUNNING_LOCALE", "zh_CN")
    assert _call(["calc", "claim", "--help"], capsys)[1] == zh


def test_the_group_lists_its_commands_in_the_users_language(fresh: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _, zh, _ = _call(["calc", "--help"], capsys)
    assert re.search(r"words\s+输出金额的人民币大写", zh) and re.search(r"interest\s+逾期利息", zh)
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    _, en, _ = _call(["calc", "--help"], capsys)
    assert re.search(r"words\s+Print AMOUNT in Chinese capital numerals", en)


def test_chinese_help_fits_the_terminal(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Chinese character takes two columns: the lines are wrapped by columns, not characters."""
    for args in (["calc", "claim", "--help"], ["render", "--help"], ["import", "--help"], ["up", "--help"]):
        _, out, _ = _call(args, capsys)
        wide = [line for line in out.splitlines() if click_zh.width(line) > 80]
        assert wide == [], args


def test_every_help_of_these_commands_is_in_one_language(fresh: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.cli import admin, contracts, documents, law, ledger

    group = click.Group()
    for module in (admin, ledger, law, documents, contracts):
        module.register(group)

    def walk(cmd: click.Command, path: list[str]) -> Iterator[list[str]]:
        yield path
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from walk(sub, [*path, name])

    paths = [p for name, cmd in group.commands.items() for p in walk(cmd, [name])]
    for path in paths:
        code, out, err = _call([*path, "--help"], capsys)
        assert code == 0 and not err and _english_in_chinese(out) == [], (path, _english_in_chinese(out))
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    for path in paths:
        code, out, _ = _call([*path, "--help"], capsys)
        assert code == 0 and _chinese_in_english(out) == [], (path, out)


def _only_chinese(line: str) -> bool:
    """No English words left once the quoted values and the command path are taken out."""
    bare = re.sub(r"'[^']*'|（见 dunning[^）]*）|--[\w-]+", "", line)
    return re.search(r"[A-Za-z]{3,}", bare) is None


@pytest.mark.parametrize(("args", "zh", "en"), [
    (["calc", "interest", "--bogus"], "错误：没有选项 '--bogus'", "error: No such option '--bogus'"),
    (["outbox", "show", "abc"], "'abc' 不是有效的整数", "'abc' is not a valid integer"),
    (["calc", "interest"], "错误：缺少参数 'FILE'", "error: Missing argument 'FILE'"),
    (["calc", "claim", "x"], "'CUSTOMER_ID' 的值无效：'x' 不是有效的整数", "'x' is not a valid integer"),
    (["up", "--port", "0"], "'--port' 的值无效：0 不在范围 1<=x<=65535 内", "0 is not in the range"),
    (["templates", "upload", "statement"], "缺少参数 '{zh|en}'。可选：zh, en", "Missing argument '{zh|en}'"),
    (["calc", "words", "1", "2"], "多余的参数（2）", "Got unexpected extra argument (2)"),
    (["report", "aging", "--out"], "选项 '--out' 后面需要一个值", "Option '--out' requires an argument"),
    (["nosuch"], "没有命令 'nosuch'", "No such command 'nosuch'"),
    (["render", "statement", "--out", "x"], "请给出 --context 文件或 --customer 客户编号中的一项",
     "give either --context FILE or --customer ID"),
])
def test_a_usage_error_is_one_line_in_the_users_language(fresh: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                         zh: str, en: str) -> None:
    code, out, err = _call(args, capsys)
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and not out, err
    assert zh in lines[0] and lines[0].startswith("错误：") and _only_chinese(lines[0]), lines[0]
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    code, out, err = _call(args, capsys)
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and not out, err
    assert en in lines[0] and lines[0].startswith("error: ") and not CJK.search(lines[0]), lines[0]


def test_a_close_option_is_suggested_in_the_users_language(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _call(["calc", "claim", "1", "--as-off", "2026-01-01"], capsys)
    assert code == 2 and "没有选项 '--as-off'：是不是 '--as-of'？" in err and _only_chinese(err.strip())


def test_check_settings_speaks_the_users_language(fresh: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUNNING_CREDIT_HOLD_WEBHOOK_URL", "https://erp:pw123@hooks.example.cn/hold")
    monkeypatch.setenv("DUNNING_WEBHOOK_SECRET", "hook-secret-value")
    monkeypatch.setenv("DUNNING_SMTP_RATE_PER_MINUTE", "20")
    code, out, _ = _call(["check-settings"], capsys)
    assert code == 0
    assert re.search(r"缺少\s+DUNNING_REDIS_URL\s+停用的功能：后台任务进程", out)
    assert re.search(r"缺少\s+DUNNING_MAIL_FROM\s+停用的功能：以自己的地址发信", out)  # still the example address
    assert re.search(r"已设置 DUNNING_SMTP_RATE_PER_MINUTE\s+= 20\s+（每个发信账号每分钟", out)
    assert re.search(r"已设置 DUNNING_CREDIT_HOLD_WEBHOOK_URL\s+= https://\*\*\*@hooks.example.cn/hold", out)
    assert re.search(r"已设置 DUNNING_WEBHOOK_SECRET\s+= \*\*\*", out)
    for name in ("SMTP_LOCAL_HOSTNAME", "MAIL_MAX_ATTEMPTS", "CONTACT_START_HOUR", "CONTACT_END_HOUR",
                 "CONTACT_MAX_PER_DAY", "CONTACT_MAX_PER_7_DAYS", "RUN_HOUR"):
        assert f"DUNNING_{name}" in out
    assert "pw123" not in out and "hook-secret-value" not in out
    assert "MISSING" not in out and "disables" not in out and "law data" not in out
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    monkeypatch.setenv("DUNNING_MAIL_FROM", "ar@example.cn")
    code, out, _ = _call(["check-settings"], capsys)
    assert code == 0 and not CJK.search(out)
    assert re.search(r"MISSING DUNNING_REDIS_URL\s+disables: background workers", out)
    assert re.search(r"set\s+DUNNING_MAIL_FROM\s+= ar@example.cn", out)


def test_a_core_handed_in_decides_the_language_of_help() -> None:
    """A test's Core (or an embedding program's) speaks for the user before any environment does."""
    english = SimpleNamespace(settings=SimpleNamespace(locale="en"), unit_of_work=None)
    result = CliRunner().invoke(cli, ["calc", "--help"], obj=english, env={"DUNNING_LOCALE": "zh_CN"})
    assert result.exit_code == 0 and "Usage: " in result.output and "calc [OPTIONS]" in result.output
    assert "Calculators: late interest" in result.output and not CJK.search(result.output)


def test_rates_list_says_which_benchmarks_are_unverified(fresh: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped PBOC benchmarks before 2015-10-24 come from a published summary table, not yet
    checked against each PBOC notice; the 2015-10-24 rates are the notice's own."""
    code, out, _ = _call(["rates", "list"], capsys)
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("pboc_benchmark")]
    before = [line for line in rows if line.split()[1] < "2015-10-24"]
    assert len(before) >= 20 and all("未核实" in line for line in before)
    assert "已核实" in next(line for line in rows if line.split()[1] == "2015-10-24")
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    _, out, _ = _call(["rates", "list"], capsys)
    rows = [line for line in out.splitlines() if line.startswith("pboc_benchmark 2002") or
            line.startswith("pboc_benchmark  2002")]
    assert rows and "UNVERIFIED" in rows[0] and "not yet checked against the PBOC notice" in rows[0]
    assert not CJK.search(rows[0])


def test_an_operating_system_error_is_one_line_in_the_users_language(fresh: Path,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = fresh / "no-such-folder" / "aging.csv"
    code, _, err = _call(["report", "aging", "--format", "csv", "--out", str(target)], capsys)
    line = err.strip().splitlines()[-1]  # after the first command's migration note
    assert code == 1 and line == f"错误：文件或文件夹不存在：{target}"
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    code, _, err = _call(["report", "aging", "--format", "csv", "--out", str(target)], capsys)
    assert code == 1 and err.strip() == f"error: No such file or directory: {target}"


def test_check_settings_lists_every_setting() -> None:
    """A new setting is shown (and explained in both languages when it says more than its value)."""
    from dataclasses import fields

    from workflow.config import Settings, describe

    rows = describe(Settings())
    listed = {row.variable for row in rows}
    missing = ["DUNNING_" + f.name.upper() for f in fields(Settings) if f.name != "extra"
               and "DUNNING_" + f.name.upper() not in listed]
    assert missing == [], "add a row to workflow.config.describe() for each"
    assert all(bool(row.zh) == bool(row.en) for row in rows)


def test_a_new_password_is_asked_for_in_the_users_language(fresh: Path) -> None:
    runner = CliRunner()
    env = {"DUNNING_INSTANCE_PATH": str(fresh / "instance"), "DUNNING_PDF_CONVERTER": "none"}
    made = runner.invoke(cli, ["user", "create", "anna", "--name", "Anna", "--role", "clerk"], env=env)
    assert made.exit_code == 0, made.output
    typed = "first-long-password\nsecond-long-password\nthird-long-password\nthird-long-password\n"
    result = runner.invoke(cli, ["user", "password", "anna"], input=typed, env=env)
    assert result.exit_code == 0, result.output
    assert result.output.count("新密码") == 2 and result.output.count("再输入一次") == 2
    assert "两次输入不一致" in result.output and "anna 的密码已更改" in result.output
    assert "Repeat" not in result.output and "Error" not in result.output
