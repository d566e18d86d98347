"""Offline verifier: `python -m certificates.verify --keys K.json --status S.json QR-OR-PDF`.

Needs no database and no network: only the published keys (`/c/keys.json`)
and the signed status list (`/c/status.json`), refreshed whenever there is a
connection. The argument is the text of a scanned QR code (the verification
URL or the bare token) or the path of a certificate PDF. Prints the answer in
Dutch and English and the printed data to compare with an ID document.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

from .payload import PayloadError, decode_token, document_signature_valid
from .pdf import outcome_texts, url_from_pdf
from .verification import (
    Outcome,
    PublishedKey,
    StatusEntry,
    VerificationResult,
    keys_from_document,
    status_from_document,
    token_from_text,
    verify_token,
)

# One exit status per answer. 1 (Python's status after a crash) and 2 (argparse's
# usage error, remapped to EXIT_USAGE below) are never an answer, so a script cannot
# mistake a failure of the verifier for a verdict.
EXIT_VALID = 0
EXIT_REVOKED = 3
EXIT_SUSPENDED = 4
EXIT_FORGED = 5
EXIT_UNKNOWN_KEY = 6
EXIT_KEY_OUTSIDE_WINDOW = 7
EXIT_USAGE = 64  # sysexits EX_USAGE
EXIT_CODES = {
    Outcome.VALID: EXIT_VALID,
    Outcome.REVOKED: EXIT_REVOKED,
    Outcome.SUSPENDED: EXIT_SUSPENDED,
    Outcome.FORGED: EXIT_FORGED,
    Outcome.UNKNOWN_KEY: EXIT_UNKNOWN_KEY,
    Outcome.KEY_OUTSIDE_WINDOW: EXIT_KEY_OUTSIDE_WINDOW,
}

EPILOG = f"""\
exit status:
  {EXIT_VALID}   valid: signed with a published key inside its window, not on the status list
  {EXIT_REVOKED}   revoked (the reason and date are printed)
  {EXIT_SUSPENDED}   suspended (the reason and date are printed)
  {EXIT_FORGED}   forged: the signature does not match the data (tampered with or counterfeit)
  {EXIT_UNKNOWN_KEY}   unknown key: not signed with a key in the published key list
  {EXIT_KEY_OUTSIDE_WINDOW}   key outside its window: issued on a date the signing key was not valid
  {EXIT_USAGE}  usage error: a bad command line; a key list or status list that cannot be
      read, is malformed or is not signed by a published key; or a text or PDF that
      holds no certificate code. The message names the file and the field.
"""


class UsageError(Exception):
    """Input the verifier cannot use; the message names the file and the field."""


class UnusableStatusList(UsageError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2; 2 must never be read as a verdict
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


# --- reading the inputs ------------------------------------------------------------------


def read_json(path: Path, what: str) -> dict:
    """A JSON object from `path`; UsageError naming `what` and the problem otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path}: not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"{what} {path}: cannot be read ({error.strerror or error})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{what} {path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:
        raise UsageError(f"{what} {path}: nested too deeply") from None
    if not isinstance(document, dict):
        raise UsageError(f"{what} {path}: expected a JSON object, found {_kind(document)}")
    return document


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


def _items(document: dict, field: str, where: str) -> list[dict]:
    items = document.get(field)
    if not isinstance(items, list):
        raise UsageError(f'{where}: "{field}" must be a list, found {_kind(items)}')
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise UsageError(f"{where}: {field}[{index}] must be an object, found {_kind(item)}")
    return items


def _text(item: dict, name: str, where: str, *, required: bool = True) -> None:
    value = item.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value):
        raise UsageError(f"{where}.{name}: expected text, found {_kind(value)}")


def checked_keys(document: dict, where: str = "keys") -> dict[str, PublishedKey]:
    """The published key list, every entry checked; UsageError names the entry and field."""
    keys: dict[str, PublishedKey] = {}
    for index, item in enumerate(_items(document, "keys", where)):
        entry = f"{where}: keys[{index}]"
        for name in ("key_id", "public_key", "valid_from"):
            _text(item, name, entry)
        _text(item, "valid_until", entry, required=False)
        try:
            keys.update(keys_from_document({"keys": [item]}))
        except (ValueError, KeyError) as error:  # PayloadError and bad dates are ValueErrors
            raise UsageError(f"{entry}: {error}") from None
    return keys


def checked_status(document: dict, keys, where: str = "status list") -> dict[str, StatusEntry]:
    """The status list's entries, after checking its shape and its signature."""
    entries = _items(document, "entries", where)
    _text(document, "key_id", where)
    _text(document, "signature", where)
    key = keys.get(document["key_id"])
    if key is None or not document_signature_valid(document, key.public_key):
        raise UnusableStatusList(f"{where}: not signed by a published key")
    for index, item in enumerate(entries):
        entry = f"{where}: entries[{index}]"
        _text(item, "serial", entry)
        if item.get("status") not in (Outcome.SUSPENDED, Outcome.REVOKED):
            raise UsageError(f'{entry}.status: expected "suspended" or "revoked"')
        _text(item, "reason", entry, required=False)
        _text(item, "since", entry, required=False)
        try:
            if item.get("since"):
                datetime.date.fromisoformat(item["since"])
        except ValueError:
            raise UsageError(f"{entry}.since: not a date (YYYY-MM-DD)") from None
    return status_from_document(document)


def read_token(argument: str) -> str:
    """A PDF path gives its embedded URL; anything else is taken as QR text.

    UsageError when the argument holds no readable certificate code."""
    if argument.lower().endswith(".pdf") and len(argument) < 4096:
        path = Path(argument)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise UsageError(
                f"certificate {path}: cannot be read ({error.strerror or error})"
            ) from None
        url = url_from_pdf(content)
        if url is None:
            raise UsageError(f"certificate {path}: no verification link in this PDF")
        argument = url
    token = token_from_text(argument)
    try:
        decode_token(token)
    except PayloadError as error:
        raise UsageError(f"certificate: not a certificate code ({error})") from None
    return token


# --- verifying ---------------------------------------------------------------------------


def verify(
    argument: str,
    *,
    keys_document: dict,
    status_document: dict,
    keys_name: str = "keys",
    status_name: str = "status list",
) -> VerificationResult:
    """The answer for `argument`; UsageError (or UnusableStatusList) for unusable input,
    its message starting with `keys_name`, `status_name` or "certificate"."""
    keys = checked_keys(keys_document, keys_name)
    status = checked_status(status_document, keys, status_name)
    return verify_token(read_token(argument), keys=keys, status_for=status)


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
    """The answer's own exit status (EPILOG); an answer without one is a usage error."""
    return EXIT_CODES.get(result.outcome, EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m certificates.verify",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--keys", required=True, type=Path, help="published keys (keys.json)")
    parser.add_argument("--status", required=True, type=Path, help="status list (status.json)")
    parser.add_argument("certificate", help="QR text (URL or token) or a certificate PDF")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    return parser


def main(argv: list[str] | None = None, *, out=None, err=None, prog: str | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    parser.prog = prog or parser.prog
    args = parser.parse_args(argv)
    try:
        result = verify(
            args.certificate,
            keys_document=read_json(args.keys, "keys"),
            status_document=read_json(args.status, "status list"),
            keys_name=f"keys {args.keys}",
            status_name=f"status list {args.status}",
        )
    except UsageError as error:
        print(f"ERROR: {error}", file=err)
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
