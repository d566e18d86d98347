"""Offline verification with only the published keys and status list: no database."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import verify as cli
from certificates.payload import (
    CertificateData,
    ComponentOutcome,
    b64url_decode,
    b64url_encode,
    key_id_for,
    public_key_text,
    sign_document,
    sign_payload,
)
from certificates.payload import (
    Outcome as PrintedOutcome,
)
from certificates.pdf import PrintedCertificate, render_certificate_pdf
from certificates.verification import Outcome, token_from_text

OLD = Ed25519PrivateKey.generate()
NEW = Ed25519PrivateKey.generate()
STRANGER = Ed25519PrivateKey.generate()
OLD_ID, NEW_ID = key_id_for(OLD.public_key()), key_id_for(NEW.public_key())
ROTATED = "2026-01-01T00:00:00+00:00"
URL = "https://examens.example.nl/c/v/"


def keys_document() -> dict:
    return {
        "keys": [
            {
                "key_id": OLD_ID,
                "alg": "Ed25519",
                "public_key": public_key_text(OLD.public_key()),
                "valid_from": "2025-01-01T00:00:00+00:00",
                "valid_until": ROTATED,
            },
            {
                "key_id": NEW_ID,
                "alg": "Ed25519",
                "public_key": public_key_text(NEW.public_key()),
                "valid_from": ROTATED,
                "valid_until": None,
            },
        ]
    }


def status_document(*entries, key=NEW, key_id=NEW_ID) -> dict:
    return sign_document({"entries": list(entries)}, key_id=key_id, private_key=key)


def data(*, serial="AAAA-BBBB-CC", key_id=NEW_ID, issued_on=datetime.date(2026, 3, 1)):
    return CertificateData(
        serial=serial,
        key_id=key_id,
        given_names="Amira",
        family_name="Haddad",
        date_of_birth=datetime.date(1990, 5, 17),
        regime="WI2021",
        route="B1",
        issuer="DUO",
        issued_on=issued_on,
        components=(ComponentOutcome("LEZ", PrintedOutcome.PASSED, "B1"),),
    )


def check(qr_text: str, *entries) -> str:
    return cli.verify(
        qr_text, keys_document=keys_document(), status_document=status_document(*entries)
    ).outcome


def test_valid_certificate_verifies_offline():
    assert check(URL + sign_payload(data(), NEW)) == Outcome.VALID


def test_certificate_signed_with_a_rotated_key_still_verifies():
    token = sign_payload(data(key_id=OLD_ID, issued_on=datetime.date(2025, 6, 1)), OLD)

    assert check(URL + token) == Outcome.VALID


def test_tampered_payload_is_forged():
    raw = bytearray(b64url_decode(sign_payload(data(), NEW)))
    raw[raw.index(b"Haddad")] = ord("K")

    assert check(URL + b64url_encode(bytes(raw))) == Outcome.FORGED


def test_signature_by_an_unpublished_key_under_a_published_id_is_forged():
    assert check(URL + sign_payload(data(), STRANGER)) == Outcome.FORGED


def test_unknown_key_id_is_its_own_answer():
    stranger_id = key_id_for(STRANGER.public_key())

    assert check(URL + sign_payload(data(key_id=stranger_id), STRANGER)) == Outcome.UNKNOWN_KEY


def test_key_used_after_its_window_is_refused():
    """A retired (perhaps leaked) key signing a certificate dated after its rotation."""
    token = sign_payload(data(key_id=OLD_ID, issued_on=datetime.date(2026, 2, 1)), OLD)

    assert check(URL + token) == Outcome.KEY_OUTSIDE_WINDOW


def test_key_used_before_its_window_is_refused():
    token = sign_payload(data(issued_on=datetime.date(2025, 12, 1)), NEW)

    assert check(URL + token) == Outcome.KEY_OUTSIDE_WINDOW


def test_revoked_serial_is_revoked_with_reason_and_date():
    entry = {
        "serial": "AAAA-BBBB-CC",
        "status": "revoked",
        "reason": "result_corrected",
        "since": "2026-03-05",
    }
    result = cli.verify(
        URL + sign_payload(data(), NEW),
        keys_document=keys_document(),
        status_document=status_document(entry),
    )

    assert result.outcome == Outcome.REVOKED
    assert result.status.reason == "result_corrected"
    assert result.status.reason_nl == "Een resultaat is gecorrigeerd"
    assert result.status.since == datetime.date(2026, 3, 5)


def test_suspended_serial_is_suspended():
    entry = {
        "serial": "AAAA-BBBB-CC",
        "status": "suspended",
        "reason": "under_investigation",
        "since": "2026-03-05",
    }

    assert check(URL + sign_payload(data(), NEW), entry) == Outcome.SUSPENDED


def test_garbage_is_not_a_certificate_code():
    with pytest.raises(cli.UsageError, match="not a certificate code"):
        check("https://example.com/nothing-here")


def test_status_list_with_a_bad_signature_is_refused():
    document = status_document()
    document["entries"] = [{"serial": "X", "status": "revoked"}]

    with pytest.raises(cli.UnusableStatusList):
        cli.verify(
            URL + sign_payload(data(), NEW), keys_document=keys_document(), status_document=document
        )


def test_bare_token_and_url_both_work():
    token = sign_payload(data(), NEW)

    assert token_from_text(URL + token) == token
    assert token_from_text(f"  {token}\n") == token


@pytest.fixture
def published(tmp_path):
    keys = tmp_path / "keys.json"
    status = tmp_path / "status.json"
    keys.write_text(json.dumps(keys_document()))
    revoked = {
        "serial": "REVO-KEDX-XX",
        "status": "revoked",
        "reason": "result_corrected",
        "since": "2026-03-05",
    }
    status.write_text(json.dumps(status_document(revoked)))
    return ["--keys", str(keys), "--status", str(status)]


def test_pdf_file_verifies_offline_through_the_command_line(tmp_path, published, capsys):
    token = sign_payload(data(), NEW)
    pdf = tmp_path / "diploma.pdf"
    pdf.write_bytes(
        render_certificate_pdf(
            PrintedCertificate(data(), URL + token, "Wi2021", "Act 2021", "B1-route", "B1 route")
        )
    )

    code = cli.main([*published, str(pdf)])

    output = capsys.readouterr().out
    assert code == cli.EXIT_VALID
    assert "VALID" in output
    assert "Amira Haddad" in output


def test_command_line_gives_distinct_exit_codes(published, capsys):
    revoked = URL + sign_payload(data(serial="REVO-KEDX-XX"), NEW)
    forged = URL + sign_payload(data(), STRANGER)

    assert cli.main([*published, revoked]) == cli.EXIT_REVOKED
    assert (
        "Reden / Reason: Een resultaat is gecorrigeerd / A result was corrected (result_corrected)"
        in capsys.readouterr().out
    )
    assert cli.main([*published, forged]) == cli.EXIT_FORGED
    assert (
        cli.main(["--keys", "/nonexistent", "--status", "/nonexistent", forged]) == cli.EXIT_USAGE
    )


def test_key_list_without_a_window_start_is_unusable(tmp_path, published, capsys):
    document = keys_document()
    document["keys"][1]["valid_from"] = ""
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(document))

    code = cli.main(["--keys", str(keys), published[2], published[3], "AAAA"])

    assert code == cli.EXIT_USAGE
    assert "keys[1].valid_from" in capsys.readouterr().err


def test_module_runs_with_python_dash_m_without_django(published):
    """The verifier imports no Django settings and no database."""
    token = sign_payload(data(), NEW)
    root = Path(cli.__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}

    completed = subprocess.run(
        [sys.executable, "-m", "certificates.verify", *published, "--json", URL + token],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"outcome": "valid", "serial": "AAAA-BBBB-CC"}
