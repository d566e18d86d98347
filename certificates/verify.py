"""Offline verifier: `python -m certificates.verify --keys K.json --status S.json QR-OR-PDF`.

Needs no database and no network: only the published keys (`/c/keys.json`)
and the signed status list (`/c/status.json`), refreshed whenever there is a
connection. The argument is the text of a scanned QR code (the verification
URL or the bare token) or the path of a certificate PDF. Prints the answer in
Dutch and English and the printed data to compare with an ID document.

Exit status: 0 valid; 1 suspended or revoked; 2 forged, malformed, unknown
key or key outside its window; 3 the keys or status list cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .payload import document_signature_valid
from .pdf import outcome_texts, url_from_pdf
from .verification import (
    Outcome,
    VerificationResult,
    keys_from_document,
    status_from_document,
    token_from_text,
    verify_token,
)

EXIT_VALID, EXIT_STATUS, EXIT_INVALID, EXIT_USAGE = 0, 1, 2, 3


class UnusableStatusList(Exception):
    pass


def read_token(argument: str) -> str:
    """A PDF path gives its embedded URL; anything else is taken as QR text."""
    path = Path(argument)
    if len(argument) < 4096 and path.suffix.lower() == ".pdf" and path.is_file():
        url = url_from_pdf(path.read_bytes())
        return token_from_text(url or "")
    return token_from_text(argument)


def load_status(document: dict, keys) -> dict:
    """The status list's entries, after checking its signature with a published key."""
    key = keys.get(document.get("key_id", ""))
    if key is None or not document_signature_valid(document, key.public_key):
        raise UnusableStatusList("the status list is not signed by a published key")
    return status_from_document(document)


def verify(argument: str, *, keys_document: dict, status_document: dict) -> VerificationResult:
    keys = keys_from_document(keys_document)
    return verify_token(
        read_token(argument), keys=keys, status_for=load_status(status_document, keys)
    )


def describe(result: VerificationResult) -> list[str]:
    lines = [
        f"{result.outcome.upper()}: {result.message_nl}",
        f"{' ' * len(result.outcome)}  {result.message_en}",
    ]
    if result.status and result.outcome in (Outcome.REVOKED, Outcome.SUSPENDED):
        since = result.status.since.isoformat() if result.status.since else "?"
        status = result.status
        lines.append(
            f"Reden / Reason: {status.reason_nl} / {status.reason_en} ({status.reason}) "
            f"(sinds / since {since})"
        )
    if result.key is not None:
        until = result.key.valid_until.isoformat() if result.key.valid_until else "-"
        lines.append(
            f"Sleutel / Key: {result.key.key_id} "
            f"(geldig / valid {result.key.valid_from.isoformat()} .. {until})"
        )
    data = result.data
    if data is not None:
        lines += [
            f"Naam / Name: {data.given_names} {data.family_name}",
            f"Geboortedatum / Date of birth: {data.date_of_birth.isoformat()}",
            f"Route: {data.route} ({data.regime})",
            f"Uitgegeven door / Issued by: {data.issuer} op / on {data.issued_on.isoformat()}",
            f"Serienummer / Serial: {data.serial}",
        ]
        for item in data.components:
            nl, en = outcome_texts(item.outcome, item.level)
            lines.append(f"  {item.code}: {nl} / {en}")
    return lines


def exit_code(result: VerificationResult) -> int:
    if result.outcome == Outcome.VALID:
        return EXIT_VALID
    if result.outcome in (Outcome.REVOKED, Outcome.SUSPENDED):
        return EXIT_STATUS
    return EXIT_INVALID


def main(argv: list[str] | None = None, *, out=None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m certificates.verify", description=__doc__)
    parser.add_argument("--keys", required=True, type=Path, help="published keys (keys.json)")
    parser.add_argument("--status", required=True, type=Path, help="status list (status.json)")
    parser.add_argument("certificate", help="QR text (URL or token) or a certificate PDF")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    args = parser.parse_args(argv)
    try:
        keys_document = json.loads(args.keys.read_text(encoding="utf-8"))
        status_document = json.loads(args.status.read_text(encoding="utf-8"))
        result = verify(
            args.certificate, keys_document=keys_document, status_document=status_document
        )
    except (OSError, ValueError, KeyError, UnusableStatusList) as error:
        print(f"ERROR: {error}", file=out)
        return EXIT_USAGE
    if args.json:
        print(
            json.dumps(
                {"outcome": result.outcome, "serial": result.data.serial if result.data else None}
            ),
            file=out,
        )
    else:
        print("\n".join(describe(result)), file=out)
    return exit_code(result)


if __name__ == "__main__":
    sys.exit(main())
