"""`manage.py rotate_signing_key [--key-file PATH]`: add a signing key, retire the current one."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certificates.exceptions import SigningKeyUnavailable
from certificates.services import rotate_signing_key
from examens.audit import SystemActor


class Command(BaseCommand):
    help = (
        "Make a new Ed25519 key the current signing key (generated into the key directory, "
        "or read from --key-file). Certificates signed with older keys keep verifying."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key-file", default="", help="PEM file of the new private key")

    def handle(self, *args, key_file: str, **options) -> None:
        try:
            key = rotate_signing_key(actor=SystemActor("rotate_signing_key"), key_file=key_file)
        except (SigningKeyUnavailable, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Current signing key: {key.key_id}"))
