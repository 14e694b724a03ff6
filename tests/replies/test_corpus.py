"""The labelled reply corpus in mailbox/samples/ is complete, parseable and labelled consistently.

These tests check the corpus itself (not the reply parser): a wrong label here would make the evaluation of
reply handling lie.
"""

from __future__ import annotations

import email
import html
import json
import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from email import policy
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "mailbox" / "samples"
LABELS: list[dict[str, Any]] = json.loads((SAMPLES / "labels.json").read_text(encoding="utf-8"))
BY_FILE = {entry["file"]: entry for entry in LABELS}
WRITTEN = [e for e in LABELS if e["file"].startswith("replies/")]

INTENTS = {"promise_to_pay", "paid", "dispute", "document_request", "installment_request", "hardship",
           "statement_confirmed", "auto_reply", "bounce", "other"}
REPLY_CLIENTS = {"outlook_zh", "outlook_en", "outlook_tw", "outlook_hk", "foxmail", "qqmail", "coremail", "netease",
                 "gmail_zh", "gmail_en", "gmail_tw", "alimail", "dingtalk", "apple_zh", "iphone", "thunderbird_zh",
                 "mailmaster"}
MTA_CLIENTS = {"postfix", "exmail", "netease_dsn", "aliyun", "exchange_online", "sisimai"}
DISPUTE_REASONS = {"quality", "quantity", "price", "not_delivered", "other"}
CURRENCIES = {"CNY", "USD", "HKD", "EUR"}
MATCHES = {"thread", "plus", "subject", "sender"}
GBK_ONLY = set("镕堃喆昇")
AMOUNT = re.compile(r"^\d+\.\d{2}$")
STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
CASE_REF = re.compile(r"^AR-\d{4}-\d{4}$")
CODECS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs", "us-ascii": "utf-8"}


def raw(entry: dict[str, Any]) -> bytes:
    return (SAMPLES / entry["file"]).read_bytes()


def parse(entry: dict[str, Any]) -> Message:
    return email.message_from_bytes(raw(entry), policy=policy.compat32)


def text_of(msg: Message, errors: str = "strict") -> str:
    """Every text part decoded with the codec Chinese mail really needs (a gb2312 label over GBK bytes)."""
    out = []
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        charset = (part.get_content_charset() or "us-ascii").lower()
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        body = payload.decode(CODECS.get(charset, charset), errors)
        if part.get_content_subtype() == "html":
            body = html.unescape(re.sub(r"<[^>]+>", "\n", body))
        out.append(body.replace("\r\n", "\n"))
    return "\n".join(out)


def main_text_part(msg: Message) -> Message:
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return part
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            return part
    raise AssertionError("no text part")


def test_every_message_file_has_exactly_one_label_and_every_label_a_file() -> None:
    files = sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.eml"))
    labelled = [e["file"] for e in LABELS]
    assert len(labelled) == len(set(labelled))
    assert files == sorted(labelled)


def test_no_python_files_under_mailbox() -> None:
    # A package named mailbox would shadow the standard library module.
    assert not list((ROOT / "mailbox").rglob("*.py"))


def test_written_file_names_say_client_and_intent() -> None:
    for e in WRITTEN:
        m = re.fullmatch(r"replies/(\d{3})-([a-z_0-9]+)-([a-z_]+)\.eml", e["file"])
        assert m, e["file"]
        assert (m.group(2), m.group(3)) == (e["client"], e["intent"]), e["file"]


@pytest.mark.parametrize("entry", LABELS, ids=lambda e: e["file"])
def test_label_is_valid(entry: dict[str, Any]) -> None:
    e = entry
    assert e["intent"] in INTENTS
    assert e["client"] in REPLY_CLIENTS | MTA_CLIENTS
    assert e["language"] in {"zh", "en"}
    assert e["charset"] == e["charset"].lower()
    assert e["case_ref"] is None or CASE_REF.match(e["case_ref"])
    assert e["match"] is None or e["match"] in MATCHES
    assert (e["match"] is None) == (e["case_ref"] is None)
    for p in e["promises"]:
        assert set(p) == {"date", "amount"}
        assert p["date"] is None or date.fromisoformat(p["date"])
        assert p["amount"] is None or AMOUNT.match(p["amount"])
    dated = sorted(p["date"] for p in e["promises"] if p["date"])
    assert e["promised_date"] == (dated[0] if dated else None)
    if e["promises"] and e["intent"] != "paid":
        first = next(p for p in e["promises"] if p["date"] == e["promised_date"]) if dated else None
        assert e["amount"] == (first["amount"] if first else None)
    assert e["amount"] is None or (AMOUNT.match(e["amount"]) and Decimal(e["amount"]) > 0)
    # A currency exactly when some amount is stated.
    assert (e["currency"] is None) == (e["amount"] is None and not any(p["amount"] for p in e["promises"]))
    assert e["currency"] is None or e["currency"] in CURRENCIES
    assert e["paid_date"] is None or date.fromisoformat(e["paid_date"])
    assert e["auto_reply"] is (e["intent"] == "auto_reply")
    assert (e["bounce"] is not None) == (e["intent"] == "bounce")
    if e["bounce"]:
        assert e["bounce"]["recipients"], e["file"]
        assert e["bounce"]["status"] == e["bounce"]["statuses"][e["bounce"]["recipients"][0]]
        assert all(STATUS.match(s) for s in e["bounce"]["statuses"].values())
        assert set(e["invalid_recipients"]) <= set(e["bounce"]["recipients"])
    else:
        assert e["invalid_recipients"] == []
    assert (e["dispute_reason"] is not None) == (e["intent"] == "dispute")
    assert e["dispute_reason"] is None or e["dispute_reason"] in DISPUTE_REASONS
    if e["intent"] == "promise_to_pay":
        assert e["promises"], e["file"]
    if e["intent"] == "paid":
        assert e["amount"], e["file"]
    assert e["return_date"] is None or (e["intent"] == "auto_reply" and date.fromisoformat(e["return_date"]))


@pytest.mark.parametrize("entry", LABELS, ids=lambda e: e["file"])
def test_every_file_parses_with_the_stdlib_and_its_text_decodes(entry: dict[str, Any]) -> None:
    msg = parse(entry)
    assert msg.get_content_type()
    if entry["client"] == "sisimai":
        # Real reports are what they are: some declare utf-8 over other bytes.
        assert text_of(msg, "replace")
    else:
        assert "\ufffd" not in text_of(msg)
    # policy.default must at least parse the bytes (header access may still raise: see the Exchange test).
    assert email.message_from_bytes(raw(entry), policy=policy.default) is not None


@pytest.mark.parametrize("entry", WRITTEN, ids=lambda e: e["file"])
def test_written_message_says_what_its_label_says(entry: dict[str, Any]) -> None:
    e = entry
    msg = parse(e)
    text = text_of(msg)
    for phrase in e["reply_text_contains"]:
        assert phrase in text, phrase
    # The strings that must not leak really are in the message (in the quote), or the check would be empty.
    for leaked in e["must_not_contain"]:
        assert leaked in text, leaked
    assert parsedate_to_datetime(msg["Date"]) == datetime.fromisoformat(e["date"])
    declared = (main_text_part(msg).get_content_charset() or "us-ascii").lower()
    if e["intent"] != "bounce":
        assert declared == e["charset"]
    if e["quoted_letter"]:
        q = e["quoted_letter"]
        values = [p["date"] for p in e["promises"]] + [p["amount"] for p in e["promises"]]
        values += [e["amount"], e["paid_date"]]
        assert not {q["amount"], q["due_date"], q["pay_by"]} & {v for v in values if v}
    if e["bounce"]:
        for rcpt in e["bounce"]["recipients"]:
            assert rcpt in text or rcpt in raw(e).decode("utf-8", "replace")


@pytest.mark.parametrize("entry", WRITTEN, ids=lambda e: e["file"])
def test_case_can_be_found_the_way_the_label_says(entry: dict[str, Any]) -> None:
    e = entry
    if e["intent"] == "bounce":
        # The case of a bounce is in the returned letter's headers or, for Exmail, its quoted subject.
        assert e["case_ref"] in raw(e).decode("utf-8", "replace") or e["case_ref"] in text_of(parse(e))
        return
    msg = parse(e)
    ref = e["case_ref"]
    in_reply_to = msg.get("In-Reply-To") or ""
    to = msg.get("To") or ""
    subject = str(email.header.make_header(email.header.decode_header(msg.get("Subject") or ""))) \
        if e["charset"] not in {"gb2312", "gb18030", "gbk", "big5"} else ""
    if e["match"] == "thread":
        assert in_reply_to.startswith(f"<{ref}.")
    else:
        assert not in_reply_to and "References" not in msg
    if e["match"] == "plus":
        assert f"ar+{ref}@" in to
    if e["match"] in {"subject", "sender"}:
        assert "ar+" not in to
    if e["match"] == "subject" and subject:
        assert f"[{ref}]" in subject
    if e["match"] == "sender":
        assert ref not in (msg.get("Subject") or "") and ref not in subject


def test_gbk_only_files_carry_gbk_bytes_under_a_gb2312_label() -> None:
    files = [e for e in LABELS if "gbk_only_chars" in e["features"]]
    assert len(files) >= 4
    seen: set[str] = set()
    for e in files:
        part = main_text_part(parse(e))
        assert part.get_content_charset() == "gb2312", e["file"]
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        with pytest.raises(UnicodeDecodeError):
            payload.decode("gb2312")
        decoded = payload.decode("gbk")
        assert GBK_ONLY & set(decoded), e["file"]
        seen |= GBK_ONLY & set(decoded)
        # What the stdlib does with the label: replacement characters, silently.
        assert "\ufffd" in payload.decode("gb2312", errors="replace")
    assert seen == GBK_ONLY


def test_raw_8bit_headers_really_are_8bit() -> None:
    files = [e for e in WRITTEN if "raw_8bit_header" in e["features"]]
    assert len(files) >= 3
    for e in files:
        head = raw(e).split(b"\n\n", 1)[0]
        subject = next(line for line in head.split(b"\n") if line.startswith(b"Subject:"))
        assert any(b > 127 for b in subject), e["file"]


def test_gb18030_only_characters_are_four_byte_sequences() -> None:
    files = [e for e in WRITTEN if "gb18030_only_chars" in e["features"]]
    assert files
    for e in files:
        part = main_text_part(parse(e))
        assert part.get_content_charset() == "gb18030"
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        with pytest.raises(UnicodeDecodeError):
            payload.decode("gbk")
        assert "䶮" in payload.decode("gb18030")


def test_exchange_message_id_is_the_bracketed_form() -> None:
    files = [e for e in WRITTEN if "exchange_message_id" in e["features"]]
    assert files
    for e in files:
        assert re.search(r"^Message-ID: <\[[^\]]+@[^\]]+\]>$", raw(e).decode("ascii", "replace"), re.M)


def test_attachment_names_come_in_both_encodings() -> None:
    rfc2231 = [e for e in WRITTEN if "filename_rfc2231" in e["features"]]
    rfc2047 = [e for e in WRITTEN if "filename_rfc2047" in e["features"]]
    assert len(rfc2231) >= 5 and len(rfc2047) >= 5
    for e in rfc2231:
        names = [p.get_filename() for p in parse(e).walk() if p.get_filename()]
        assert names and all(not n.startswith("=?") for n in names), e["file"]
    for e in rfc2047:
        # compat32 hands back the encoded-word inside the quotes undecoded: the reader must decode it itself.
        names = [p.get_filename() for p in parse(e).walk() if p.get_filename()]
        assert names and all(n.startswith("=?") for n in names), e["file"]


def test_broken_mime_message_lacks_its_closing_boundary() -> None:
    files = [e for e in WRITTEN if "broken_mime" in e["features"]]
    assert files
    for e in files:
        msg = parse(e)
        boundary = msg.get_boundary()
        assert boundary and f"--{boundary}--".encode() not in raw(e)
        assert msg.defects or any(p.defects for p in msg.walk())


def test_copied_bounces_keep_their_licence() -> None:
    licence = (SAMPLES / "bounces" / "LICENSE").read_text(encoding="utf-8")
    assert "BSD 2-CLAUSE" in licence and "azumakuniyuki" in licence
    copied = [e for e in LABELS if e["file"].startswith("bounces/")]
    assert len(copied) >= 40
    assert Counter(e["intent"] for e in copied).keys() == {"bounce", "auto_reply", "other"}
    assert any(e["bounce"] and e["bounce"]["status"].startswith("4.") for e in copied)


def test_corpus_is_large_and_varied_enough() -> None:
    assert len(WRITTEN) >= 150
    intents = Counter(e["intent"] for e in WRITTEN)
    assert set(intents) == INTENTS
    assert all(n >= 10 for n in intents.values()), intents
    assert intents["promise_to_pay"] >= 25 and intents["paid"] >= 15
    clients = Counter(e["client"] for e in WRITTEN)
    assert set(clients) >= REPLY_CLIENTS
    assert all(clients[c] >= 3 for c in REPLY_CLIENTS), clients
    charsets = Counter(e["charset"] for e in WRITTEN)
    assert all(charsets[c] >= 3 for c in ("utf-8", "gb2312", "gbk", "gb18030", "big5")), charsets
    languages = Counter(e["language"] for e in WRITTEN)
    assert languages["zh"] >= 100 and languages["en"] >= 20
    features = Counter(f for e in WRITTEN for f in e["features"])
    assert features["html_only"] >= 4 and features["multipart_alternative"] >= 50
    assert features["attachment"] >= 20 and features["cte_quoted-printable"] >= 5
    assert Counter(e["match"] for e in WRITTEN if e["intent"] != "bounce").keys() == MATCHES
    assert sum(1 for e in WRITTEN if len(e["promises"]) > 1) >= 10
    assert sum(1 for e in WRITTEN if e["intent"] == "auto_reply" and e["return_date"]) >= 5


def test_committed_replies_are_what_the_builder_writes() -> None:
    from tests.replies import corpus_messages
    from tests.replies.corpus_builder import build_reply

    for reply in corpus_messages.REPLIES:
        data, _ = build_reply(reply)
        name = f"replies/{reply.n:03d}-{reply.client}-{reply.intent}.eml"
        assert (SAMPLES / name).read_bytes() == data, name
