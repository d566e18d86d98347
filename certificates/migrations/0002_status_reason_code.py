"""Verifiers see a reason code with its label; the free text becomes internal.

Certificates suspended or revoked before get a code from their text: the two texts
the system writes map to their codes, anything a person wrote to `other` (revoked)
or `under_investigation` (suspended). The text stays, as the internal note.
"""

from django.db import migrations, models

SYSTEM_TEXTS = (
    ("Vervangen na een correctie", "replaced"),
    ("Een resultaat", "result_corrected"),
)


def code_existing_reasons(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    for certificate in Certificate.objects.exclude(status="valid").only(
        "pk", "status", "status_reason"
    ):
        code = "other" if certificate.status == "revoked" else "under_investigation"
        for prefix, system_code in SYSTEM_TEXTS:
            if certificate.status_reason.startswith(prefix):
                code = system_code
        Certificate.objects.filter(pk=certificate.pk).update(status_reason_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_certificates_and_signing_keys"),
        ("examens", "0007_audit_factor_verified_index"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="certificate",
            name="certificate_reason_when_not_valid",
        ),
        migrations.AddField(
            model_name="certificate",
            name="status_reason_code",
            field=models.CharField(
                blank=True,
                choices=[
                    ("under_investigation", "Under investigation"),
                    ("result_corrected", "A result was corrected"),
                    ("replaced", "Replaced by a new certificate"),
                    ("issued_in_error", "Issued in error"),
                    ("fraud", "Fraud established"),
                    ("other", "Other reason"),
                ],
                default="",
                max_length=32,
                verbose_name="reason code (shown to verifiers)",
            ),
        ),
        migrations.RunPython(code_existing_reasons, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="certificate",
            name="status_reason",
            field=models.TextField(blank=True, verbose_name="reason for the status (internal)"),
        ),
        migrations.AddConstraint(
            model_name="certificate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "valid"),
                    models.Q(
                        models.Q(("status_reason", ""), _negated=True),
                        models.Q(("status_reason_code", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="certificate_reason_when_not_valid",
            ),
        ),
    ]
