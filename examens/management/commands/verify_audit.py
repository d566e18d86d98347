"""Walks the audit chain and names the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from examens.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit non-zero at the first broken link."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at event #{broken.event_id}: {broken.reason} "
                f"({checked} events before it are intact)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
