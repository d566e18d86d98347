"""Create a scoped API token for a machine client and print its secret once."""

from django.core.management.base import BaseCommand, CommandError

from examens.exceptions import ExamAdminError
from examens.models import KNOWN_SCOPES, Organisation, User
from examens.services import create_api_token


class Command(BaseCommand):
    help = "Create a scoped API token for an organisation's system; the secret is shown once."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="Organisation name.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--scope",
            action="append",
            required=True,
            dest="scopes",
            help=f"Repeat for each scope: {', '.join(sorted(KNOWN_SCOPES))}.",
        )
        parser.add_argument("--by", required=True, help="Username of the staff member creating it.")

    def handle(self, *args, organisation, name, scopes, by, **options):
        unknown = sorted(set(scopes) - KNOWN_SCOPES)
        if unknown:
            raise CommandError(f"--scope: unknown scope {', '.join(unknown)}")
        org = Organisation.objects.filter(name=organisation).first()
        if org is None:
            raise CommandError(f"--organisation: no organisation named {organisation!r}")
        actor = User.objects.filter(username=by).first()
        if actor is None:
            raise CommandError(f"--by: no user named {by!r}")
        try:
            token, secret = create_api_token(org, actor=actor, name=name, scopes=scopes)
        except ExamAdminError as error:
            option = {"name": "--name", "scopes": "--scope"}.get(error.field or "", "--by")
            raise CommandError(f"{option}: {error.message}") from error
        self.stdout.write(f"Token {token.prefix}… for {org.name} ({', '.join(token.scopes)}).")
        self.stdout.write("Secret (shown only now; send as 'Authorization: Bearer <secret>'):")
        self.stdout.write(secret)
