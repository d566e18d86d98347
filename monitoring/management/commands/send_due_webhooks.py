"""`manage.py send_due_webhooks`: send every due webhook delivery now, in this process.

For the embedded mode, where no beat runs the `send-due-webhooks` job: run it from
cron (or by hand) to retry what failed. Safe to run beside a beat (the lease).
"""

from django.core.management.base import BaseCommand

from monitoring.services import due_webhook_deliveries
from monitoring.tasks import deliver_webhook


class Command(BaseCommand):
    help = "Send every due webhook delivery now, in this process (embedded mode retries)."

    def handle(self, *args, **options) -> None:
        sent = failed = 0
        for delivery_id in due_webhook_deliveries(limit=500):
            answer = deliver_webhook(delivery_id)
            if answer is None:
                continue
            if answer.delivered:
                sent += 1
            else:
                failed += 1
        self.stdout.write(f"Webhooks delivered: {sent}, failed (retried later): {failed}")
