"""`dunning contract lint FILE` and `dunning letter lint FILE`: exit 0 clean, 1 on an error finding,
2 on input that cannot be read, always with one line of explanation."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import Users
from tests.law.linter.corpus import CLEAN_EN, CLEAN_ZH
from tests.law.linter.files import contract_docx, deep_sdt_docx, entity_bomb, zip_bomb
from tests.ledger.sample_ledger import seed
from workflow.core import Core

LPR = ["--lpr-1y", "0.0300"]


def write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


def test_clean_contracts_exit_0(runner: FlaskCliRunner, tmp_path: Path) -> None:
    for name, text in [("clean-zh.txt", CLEAN_ZH), ("clean-en.txt", CLEAN_EN)]:
        result = runner.invoke(args=["contract", "lint", write(tmp_path, name, text), *LPR])
        assert result.exit_code == 0, result.output
        assert "未发现问题" in result.output


def test_a_contract_with_an_error_exits_1_and_prints_basis_and_suggestion(runner: FlaskCliRunner,
                                                                          tmp_path: Path) -> None:
    path = write(tmp_path, "合同.docx", contract_docx())
    result = runner.invoke(args=["contract", "lint", path, *LPR])
    assert result.exit_code == 1
    assert "[错误] jurisdiction.unconnected_place" in result.output
    assert "依据: 《民事诉讼法》第35条" in result.output and "建议:" in result.output

    as_json = runner.invoke(args=["contract", "lint", path, "--json", *LPR])
    assert as_json.exit_code == 1
    body = json.loads(as_json.output)
    assert body["lpr_1y"] == "0.0300"
    assert {f["rule"] for f in body["findings"]} >= {"payment.vague_trigger", "penalty.excessive",
                                                     "jurisdiction.names_court", "jurisdiction.unconnected_place"}


def test_warnings_alone_exit_0_and_context_options_are_used(runner: FlaskCliRunner, tmp_path: Path) -> None:
    text = "买方应于交货之日起30日内付款。因本合同发生的争议，由苏州市有管辖权的人民法院管辖。"
    path = write(tmp_path, "合同.txt", text)
    far = runner.invoke(args=["contract", "lint", path, *LPR, "--seller-place", "上海市宝山区"])
    assert far.exit_code == 1 and "unconnected_place" in far.output
    near = runner.invoke(args=["contract", "lint", path, *LPR,
                               "--seller-place", "上海市宝山区", "--performance-place", "苏州工业园区"])
    assert near.exit_code == 0, near.output  # only warnings: no penalty and no notice clause
    assert "[警告] penalty.missing" in near.output


def test_party_kinds_decide_whether_pay_when_paid_is_an_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    text = CLEAN_ZH.replace("乙方应于货物交付之日起30日内，将全部货款汇入甲方指定账户。",
                            "乙方待业主拨付工程款后，按拨付比例向甲方支付货款。")
    path = write(tmp_path, "分包采购合同.txt", text)
    unknown = runner.invoke(args=["contract", "lint", path, *LPR])
    assert unknown.exit_code == 0 and "[警告] payment.pay_when_paid" in unknown.output
    void = runner.invoke(args=["contract", "lint", path, *LPR, "--buyer-kind", "private_large",
                               "--seller-kind", "sme"])
    assert void.exit_code == 1 and "[错误] payment.pay_when_paid" in void.output
    assert "法释〔2024〕11号" in void.output
    bad = runner.invoke(args=["contract", "lint", path, *LPR, "--buyer-kind", "huge"])
    assert bad.exit_code == 2 and "--buyer-kind" in bad.output


def test_bad_input_exits_2_with_one_line(runner: FlaskCliRunner, tmp_path: Path, core: Core) -> None:
    cases = [
        [write(tmp_path, "bomb.docx", zip_bomb()), *LPR],
        [write(tmp_path, "laughs.docx", entity_bomb()), *LPR],
        [write(tmp_path, "deep.docx", deep_sdt_docx()), *LPR],
        [write(tmp_path, "scan.pdf", b"%PDF-1.7"), *LPR],
        [str(tmp_path / "missing.txt"), *LPR],
        [write(tmp_path, "ok.txt", CLEAN_ZH), "--lpr-1y", "3.00"],
        [write(tmp_path, "ok2.txt", CLEAN_ZH), "--lpr-1y", "-0.01"],
    ]
    for args in cases:
        result = runner.invoke(args=["contract", "lint", *args])
        assert result.exit_code == 2, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("错误："), result.output
    assert "ZIP" in runner.invoke(args=["contract", "lint", cases[0][0], *LPR]).output


def test_letter_lint(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = write(tmp_path, "催款函.txt", "贵司若再拖延，后果自负。")
    result = runner.invoke(args=["letter", "lint", bad])
    assert result.exit_code == 1 and "letter.threat" in result.output and "后果自负" in result.output
    good = write(tmp_path, "催款函2.txt", "逾期未付的，我司将依法通过诉讼途径解决。")
    assert runner.invoke(args=["letter", "lint", good]).exit_code == 0
    warn = write(tmp_path, "催款函3.txt", "我司财务人员将于下周上门与贵司核对账目。")
    assert runner.invoke(args=["letter", "lint", warn]).exit_code == 0


def test_a_stored_contract_by_id(runner: FlaskCliRunner, client: FlaskClient, users: Users) -> None:
    ledger = seed(client, users.clerk)
    result = runner.invoke(args=["contract", "lint", "--contract-id", str(ledger.contract_id), "--json", *LPR])
    assert result.exit_code == 0, result.output  # the seeded contract's only finding is a warning
    assert [f["rule"] for f in json.loads(result.output)["findings"]] == ["penalty.excessive"]
    missing = runner.invoke(args=["contract", "lint", "--contract-id", "9999", *LPR])
    assert missing.exit_code == 2 and "9999" in missing.output
    neither = runner.invoke(args=["contract", "lint", *LPR])
    assert neither.exit_code == 2 and "FILE" in neither.output
