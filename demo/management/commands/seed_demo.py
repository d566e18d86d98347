"""`manage.py seed_demo`: a believable demo world around Utrecht, Amersfoort and Zeist.

Creates DUO, three municipalities, a contracted exam provider, four exam centres
with rooms, staff with logins and a TOTP device each, about 300 candidates with
valid BSNs and a few dozen decisions, then hands over to the scheduling,
grading and certificates parts of the demo (`demo.sessions`, `demo.results`,
`demo.issuing`), in the order of the stack.

Where it may run: never in the production profile (refused before anything is
written). Under DEBUG every account gets the README's password and a fixed
TOTP key. Outside DEBUG it runs only with `--outside-debug`, and then every new
account (and every account still holding the known DEBUG secrets) gets a random
password and TOTP key, printed once here and nowhere else.

Idempotent: every object has a natural key and is looked up before it is
created, so a second run creates nothing and writes no audit event.
"""

from __future__ import annotations

import base64
import io
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo import cohorts, issuing, registry, results, sessions, waiting
from demo.candidates import seed_candidates
from demo.credentials import Credentials, known_credentials, random_credentials
from demo.registry import usable_code
from demo.world import TOTP_DEVICE_NAME
from examens.models import Membership, User

OUTSIDE_DEBUG_FLAG = "--outside-debug"
# The parts of the world above the registry, in the order of the stack.
APP_PARTS = (sessions, waiting, results, issuing)


def base_url_from(value: str) -> str:
    """The address the server is started on, as SITE_URL holds it; raises CommandError.

    Only a scheme, a host and a port: certificates' QR codes and the links in mails
    are this address followed by the product's own paths.
    """
    url = value.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = urlsplit(""), False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise CommandError(
            f"--base-url {value!r} is not an address such as http://127.0.0.1:8000 "
            "(http:// or https://, a host, an optional port). Nothing was written."
        )
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise CommandError(
            f"--base-url {value!r} names more than a scheme, a host and a port. "
            "Nothing was written."
        )
    return url


def mail_place() -> str:
    """Where the mail this process sends ends up, in words (the file folder under DEBUG)."""
    backend = settings.EMAIL_BACKEND
    if backend == "django.core.mail.backends.filebased.EmailBackend":
        return f"files in {settings.EMAIL_FILE_PATH}"
    if backend == "django.core.mail.backends.console.EmailBackend":
        return "printed on this console"
    if backend == "django.core.mail.backends.locmem.EmailBackend":
        return "kept in memory"
    return f"sent by {backend}"


def credentials_policy(*, outside_debug: bool) -> Callable[[str], Credentials]:
    """How new accounts get their secrets here; raises CommandError where the demo may not run."""
    if getattr(settings, "PRODUCTION", False) or getattr(settings, "PROFILE", "") == "production":
        raise CommandError(
            "seed_demo refuses to run in the production profile (DJANGO_PROFILE=production): "
            "it would create accounts and people that do not exist. Nothing was written."
        )
    if settings.DEBUG:
        return known_credentials
    if not outside_debug:
        raise CommandError(
            f"DEBUG is off, so this is not a developer's machine. Run seed_demo with "
            f"{OUTSIDE_DEBUG_FLAG} to seed anyway: every new account then gets a random "
            "password and TOTP secret, printed once on this console. Nothing was written."
        )
    return random_credentials


class Command(BaseCommand):
    help = (
        "Seed a demo world: DUO, Utrecht, Amersfoort, Zeist, a provider, exam centres, staff, "
        "candidates, decisions, sessions, results and certificates. Safe to run again. Refused "
        f"in the production profile; outside DEBUG it needs {OUTSIDE_DEBUG_FLAG}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--candidates",
            type=int,
            default=300,
            help="How many candidates to seed (default 300). The first N are always the same.",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help=(
                "The address the server is started on, e.g. http://127.0.0.1:8001 (default: "
                "the SITE_URL setting). Certificates' QR codes and mail links point there; "
                "`make run` passes it with HOST and PORT."
            ),
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Print nothing (no summary, no login table). Under DEBUG only.",
        )
        parser.add_argument(
            OUTSIDE_DEBUG_FLAG,
            action="store_true",
            dest="outside_debug",
            help=(
                "Seed although DEBUG is off (a shared test or acceptance server): new accounts "
                "get random passwords and TOTP secrets, printed once on this console."
            ),
        )

    def handle(self, *args, base_url: str, **options) -> None:
        site_url = base_url_from(base_url) if base_url else settings.SITE_URL
        with override_settings(SITE_URL=site_url):
            self._seed(**options)

    def _seed(self, *, candidates: int, quiet: bool, outside_debug: bool, **options) -> None:
        credentials_for = credentials_policy(outside_debug=outside_debug)
        if quiet and credentials_for is random_credentials:
            raise CommandError(
                "--quiet would hide the only copy of the random passwords and TOTP secrets "
                "that new accounts get outside DEBUG. Nothing was written."
            )
        started = time.monotonic()
        created: Counter[str] = Counter()
        # One transaction: an interrupted seed leaves nothing half-written.
        with transaction.atomic():
            organisations = registry.seed_organisations(created)
            registry.seed_centres(organisations, created)
            users, issued = registry.seed_staff(
                organisations,
                created,
                credentials_for=credentials_for,
                replace_known=credentials_for is random_credentials,
            )
            seed_candidates(
                max(candidates, 0), organisations=organisations, users=users, created=created
            )
            for part in APP_PARTS:
                out = io.StringIO() if quiet else self.stdout
                if part is issuing:  # the old cohorts complete without sittings
                    created.update(cohorts.seed(users=users, present=candidates))
                for what, count in part.seed(users=users, stdout=out).items():
                    created[what] += count
        if quiet:
            return
        elapsed = time.monotonic() - started
        created = +created  # drop the zero counts
        if created:
            summary = ", ".join(f"{count} {what}" for what, count in created.items())
            self.stdout.write(self.style.SUCCESS(f"Created {summary} in {elapsed:.1f}s."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing to create: the demo world is complete ({elapsed:.1f}s)."
                )
            )
        self.stdout.write(f"QR codes and mail links point to {settings.SITE_URL}/.")
        self.stdout.write(f"Mail sent by the demo: {mail_place()}.")
        self._print_logins(users, issued, known=settings.DEBUG)

    def _print_logins(
        self, users: dict[str, User], issued: dict[str, Credentials], *, known: bool
    ) -> None:
        """The login table, on this console only (never a logger).

        Under DEBUG: every account's password and TOTP secret. Otherwise: the
        secrets this run set, once; an account that existed keeps its secret,
        shown as "(unchanged)".
        """
        memberships = Membership.objects.filter(user__in=users.values()).select_related(
            "organisation"
        )
        roles: dict[int, list[str]] = {}
        places: dict[int, set[str]] = {}
        for membership in memberships:
            roles.setdefault(membership.user_id, []).append(membership.role)
            places.setdefault(membership.user_id, set()).add(membership.organisation.name)
        devices = {
            device.user_id: device
            for device in TOTPDevice.objects.filter(user__in=users.values(), name=TOTP_DEVICE_NAME)
        }
        unchanged = "(unchanged)"
        rows = [("username", "role(s)", "organisation", "password", "TOTP secret (base32)", "now")]
        for username, user in users.items():
            device = devices[user.pk]
            fresh = issued.get(username)
            if known:
                password = known_credentials(username).password
                secret, code = base64.b32encode(device.bin_key).decode(), usable_code(device)
            else:
                password = fresh.password if fresh and fresh.password else unchanged
                show_key = bool(fresh and fresh.totp_key)
                secret = base64.b32encode(device.bin_key).decode() if show_key else unchanged
                code = usable_code(device) if show_key else ""
            rows.append(
                (
                    username,
                    ", ".join(sorted(roles.get(user.pk, [])))
                    + (" +superuser" if user.is_superuser else ""),
                    ", ".join(sorted(places.get(user.pk, set()))),
                    password,
                    secret,
                    code,
                )
            )
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        for index, row in enumerate(rows):
            line = "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write(
            "Add the secret to an authenticator app, or type the 6-digit code shown "
            "(valid for about 30 seconds"
            + ("; run the command again for a fresh one)." if known else ").")
        )
        if not known:
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is off: these passwords and secrets are random and shown only now. "
                    "Store them safely; they are not in any log."
                )
            )
