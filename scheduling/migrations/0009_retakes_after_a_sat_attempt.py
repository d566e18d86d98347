"""Only a booking not sat yet blocks another of the same component (decision 0026)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0007_invitation_lease")]

    operations = [
        migrations.RemoveConstraint(model_name="booking", name="booking_one_open_per_component"),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "booked")),
                fields=("candidate", "component"),
                name="booking_one_pending_per_component",
            ),
        ),
    ]
