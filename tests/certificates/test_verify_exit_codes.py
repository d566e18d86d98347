"""The offline verifier's exit status: one per verdict, a usage error for unusable input.

Every verdict gets its own status, documented in `--help`; a malformed key list,
status list or certificate gives EXIT_USAGE with a message naming the file and
the field, never a traceback (a traceback exits 1, which is no verdict).
"""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import ManagementUtility

from certificates import verify as cli
from certificates.payload import b64url_decode, b64url_encode, key_id_for, sign_payload
from certificates.pdf import PrintedCertificate, render_certificate_pdf
from certificates.verification import Outcome
from tests.certificates.test_verify_offline import (
    NEW,
    OLD,
    OLD_ID,
    STRANGER,
    URL,
    data,
    keys_document,
    status_document,
)

ENTRY = {"serial": "AAAA-BBBB-CC", "since": "2026-03-05", "reason": "under_investigation"}


def tampered(token: str) -> str:
    raw = bytearray(b64url_decode(token))
    raw[raw.index(b"Haddad")] = ord("K")
    return b64url_encode(bytes(raw))


def run(tmp_path, qr_text, *, keys=None, status=None, raw_keys=None, raw_status=None):
    """cli.main on files written from the documents (or raw bytes); (status, out, err)."""
    keys_path, status_path = tmp_path / "keys.json", tmp_path / "status.json"
    keys_path.write_bytes(raw_keys if raw_keys is not None else json.dumps(keys).encode())
    status_path.write_bytes(raw_status if raw_status is not None else json.dumps(status).encode())

    class Capture:
        def __init__(self):
            self.text = ""

        def write(self, text):
            self.text += text

    out, err = Capture(), Capture()
    code = cli.main(
        ["--keys", str(keys_path), "--status", str(status_path), qr_text], out=out, err=err
    )
    return code, out.text, err.text


VERDICTS = {
    Outcome.VALID: (lambda: URL + sign_payload(data(), NEW), ()),
    Outcome.REVOKED: (lambda: URL + sign_payload(data(), NEW), ({**ENTRY, "status": "revoked"},)),
    Outcome.SUSPENDED: (
        lambda: URL + sign_payload(data(), NEW),
        ({**ENTRY, "status": "suspended"},),
    ),
    Outcome.FORGED: (lambda: URL + tampered(sign_payload(data(), NEW)), ()),
    Outcome.UNKNOWN_KEY: (
        lambda: URL + sign_payload(data(key_id=key_id_for(STRANGER.public_key())), STRANGER),
        (),
    ),
    Outcome.KEY_OUTSIDE_WINDOW: (
        lambda: URL + sign_payload(data(key_id=OLD_ID, issued_on=datetime.date(2026, 2, 1)), OLD),
        (),
    ),
}


@pytest.mark.parametrize("outcome", list(VERDICTS))
def test_each_verdict_exits_with_its_own_status(tmp_path, outcome):
    make_token, entries = VERDICTS[outcome]

    code, out, err = run(
        tmp_path, make_token(), keys=keys_document(), status=status_document(*entries)
    )

    assert code == cli.EXIT_CODES[outcome]
    assert out.startswith(outcome.upper()), out
    assert err == ""


def test_every_verdict_has_a_distinct_documented_status_that_is_no_crash_or_usage_code():
    codes = list(cli.EXIT_CODES.values())
    help_text = cli.build_parser().format_help()

    assert set(cli.EXIT_CODES) == set(VERDICTS)
    assert len(set(codes)) == len(codes)
    assert cli.EXIT_USAGE not in codes
    assert not {1, 2} & set(codes), "1 is a crash, 2 is argparse's usage error"
    for code in [*codes, cli.EXIT_USAGE]:
        assert f"\n  {code} " in help_text, code


def test_a_pdf_gets_the_same_status_as_its_qr_text(tmp_path):
    token = tampered(sign_payload(data(), NEW))
    pdf = tmp_path / "diploma.pdf"
    pdf.write_bytes(
        render_certificate_pdf(
            PrintedCertificate(data(), URL + token, "Wi2021", "Act 2021", "B1-route", "B1 route")
        )
    )

    code, _out, _err = run(tmp_path, str(pdf), keys=keys_document(), status=status_document())

    assert code == cli.EXIT_FORGED


# --- unusable input: a usage error naming what is wrong ----------------------------------

GOOD_TOKEN = URL + sign_payload(data(), NEW)


def _keys_with(**changes):
    document = keys_document()
    document["keys"][1].update(changes)
    return document


def _status_with_entry(entry):
    return status_document(entry)


MALFORMED_KEYS = {
    "not JSON": (b"{keys: [", "not JSON (line 1, column 2"),
    "not UTF-8": (b"\xff\xfe\x00k", "not UTF-8"),
    "a list": (b"[]", "expected a JSON object, found a list"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "keys not a list": (json.dumps({"keys": {}}).encode(), '"keys" must be a list'),
    "an entry not an object": (json.dumps({"keys": ["abc"]}).encode(), "keys[0] must be"),
    "no public key": (
        json.dumps(_keys_with(public_key=None)).encode(),
        "keys[1].public_key: expected text",
    ),
    "public key not base64url": (
        json.dumps(_keys_with(public_key="ab+/cd==")).encode(),
        "keys[1]: not base64url",
    ),
    "public key too short": (
        json.dumps(_keys_with(public_key="AAAA")).encode(),
        "keys[1]: a public key is 32 bytes",
    ),
    "window start not a date": (
        json.dumps(_keys_with(valid_from="tomorrow")).encode(),
        "keys[1]: Invalid isoformat string",
    ),
    "window without a time zone": (
        json.dumps(_keys_with(valid_from="2026-01-01T00:00:00")).encode(),
        "keys[1]: key windows must carry a time zone",
    ),
    "window end a number": (
        json.dumps(_keys_with(valid_until=5)).encode(),
        "keys[1].valid_until: expected text, found a number",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED_KEYS))
def test_malformed_key_list_is_a_usage_error_naming_the_problem(tmp_path, case):
    raw, message = MALFORMED_KEYS[case]

    code, out, err = run(tmp_path, GOOD_TOKEN, raw_keys=raw, status=status_document())

    assert code == cli.EXIT_USAGE
    assert out == ""
    assert err.startswith("ERROR: keys ")
    assert message in err


def _signed(document: dict) -> bytes:
    from certificates.payload import sign_document

    return json.dumps(
        sign_document(document, key_id=key_id_for(NEW.public_key()), private_key=NEW)
    ).encode()


MALFORMED_STATUS = {
    "not JSON": (b"", "not JSON"),
    "a number": (b"17", "expected a JSON object, found a number"),
    "entries missing": (_signed({}), '"entries" must be a list, found null'),
    "unsigned": (json.dumps({"entries": []}).encode(), "key_id: expected text"),
    "bad signature": (
        json.dumps({**status_document(), "entries": [{**ENTRY, "status": "revoked"}]}).encode(),
        "not signed by a published key",
    ),
    "an entry without a serial": (
        _signed({"entries": [{"status": "revoked"}]}),
        "entries[0].serial: expected text",
    ),
    "an unknown status": (
        _signed({"entries": [{**ENTRY, "status": "gone"}]}),
        'entries[0].status: expected "suspended" or "revoked"',
    ),
    "a bad date": (
        _signed({"entries": [{**ENTRY, "status": "revoked", "since": "5 March"}]}),
        "entries[0].since: not a date",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED_STATUS))
def test_malformed_status_list_is_a_usage_error_naming_the_problem(tmp_path, case):
    raw, message = MALFORMED_STATUS[case]

    code, out, err = run(tmp_path, GOOD_TOKEN, keys=keys_document(), raw_status=raw)

    assert code == cli.EXIT_USAGE
    assert out == ""
    assert err.startswith("ERROR: status list ")
    assert message in err


def _pdf_without_link(tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    return str(path)


MALFORMED_DOCUMENTS = {
    "garbage text": (lambda tmp: "hello", "not a certificate code (not base64url)"),
    "a URL without a token": (lambda tmp: "https://example.com/", "not a certificate code"),
    "a truncated token": (lambda tmp: GOOD_TOKEN[:60], "not a certificate code"),
    "a PDF that is missing": (lambda tmp: str(tmp / "gone.pdf"), "gone.pdf: cannot be read"),
    "a PDF without a link": (_pdf_without_link, "no verification link in this PDF"),
}


@pytest.mark.parametrize("case", list(MALFORMED_DOCUMENTS))
def test_malformed_certificate_is_a_usage_error_naming_the_problem(tmp_path, case):
    make_argument, message = MALFORMED_DOCUMENTS[case]

    code, out, err = run(
        tmp_path, make_argument(tmp_path), keys=keys_document(), status=status_document()
    )

    assert code == cli.EXIT_USAGE
    assert out == ""
    assert message in err


def test_missing_key_file_is_a_usage_error(tmp_path, capsys):
    code = cli.main(["--keys", str(tmp_path / "nope.json"), "--status", "x", GOOD_TOKEN])

    assert code == cli.EXIT_USAGE
    assert "nope.json: cannot be read (No such file or directory)" in capsys.readouterr().err


def test_bad_command_line_is_the_same_usage_error_not_argparse_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--keys", "k.json", GOOD_TOKEN])

    assert exit_.value.code == cli.EXIT_USAGE
    assert "required: --status" in capsys.readouterr().err


def manage_py(args: list[str]) -> None:
    """`manage.py <args>` as the command line runs it, without `execute()`'s second
    `django.setup()`: that would bind the logging handlers to this test's captured,
    soon closed, stderr."""
    argv = ["manage.py", *args]
    ManagementUtility(argv).fetch_command(args[0]).run_from_argv(argv)


def test_manage_py_command_gives_the_same_statuses(tmp_path, capsys):
    (tmp_path / "keys.json").write_text(json.dumps(keys_document()))
    (tmp_path / "status.json").write_text(json.dumps(status_document()))
    (tmp_path / "broken.json").write_text("[")
    files = ["--keys", str(tmp_path / "keys.json"), "--status", str(tmp_path / "status.json")]
    forged = URL + tampered(sign_payload(data(), NEW))

    with pytest.raises(SystemExit) as forged_exit:
        manage_py(["verify_certificate", *files, forged])
    with pytest.raises(SystemExit) as broken_exit:
        manage_py(
            [
                "verify_certificate",
                "--keys",
                str(tmp_path / "broken.json"),
                "--status",
                str(tmp_path / "status.json"),
                forged,
            ]
        )

    assert forged_exit.value.code == cli.EXIT_FORGED
    assert broken_exit.value.code == cli.EXIT_USAGE
    assert "broken.json: not JSON" in capsys.readouterr().err


def test_module_prints_no_traceback_for_a_malformed_key_list(tmp_path):
    """As an employer runs it: `python -m certificates.verify`, no Django, a broken file."""
    (tmp_path / "keys.json").write_text('{"keys": [{"key_id": 1}]}')
    (tmp_path / "status.json").write_text(json.dumps(status_document()))
    root = Path(cli.__file__).resolve().parents[1]

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "certificates.verify",
            "--keys",
            str(tmp_path / "keys.json"),
            "--status",
            str(tmp_path / "status.json"),
            GOOD_TOKEN,
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        cwd=root,
        check=False,
    )

    assert completed.returncode == cli.EXIT_USAGE
    assert "Traceback" not in completed.stderr
    assert "keys[0].key_id: expected text, found a number" in completed.stderr
