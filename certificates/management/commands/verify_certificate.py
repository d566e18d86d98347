"""`manage.py verify_certificate`: the offline verifier, as `python -m certificates.verify`.

Same arguments, output and exit status (see `--help`)."""

import sys

from django.core.management.base import BaseCommand

from certificates import verify


class Command(BaseCommand):
    help = verify.__doc__.splitlines()[0]

    def run_from_argv(self, argv):
        sys.exit(
            verify.main(argv[2:], out=self.stdout, err=self.stderr, prog=f"{argv[0]} {argv[1]}")
        )
