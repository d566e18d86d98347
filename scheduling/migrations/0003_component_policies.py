"""One scheduling policy per catalogue component, with the defaults (edit them in the admin).

Components added later get the defaults in code (`selectors.policy_for`) until
someone saves a policy for them.
"""

from django.db import migrations


def create_policies(apps, schema_editor):
    Component = apps.get_model("examens", "Component")
    ComponentPolicy = apps.get_model("scheduling", "ComponentPolicy")
    existing = set(ComponentPolicy.objects.values_list("component_id", flat=True))
    ComponentPolicy.objects.bulk_create(
        ComponentPolicy(component_id=pk)
        for pk in Component.objects.values_list("pk", flat=True)
        if pk not in existing
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_seats_held_for_offers_and_mail_marks"),
        ("examens", "0003_seed_exam_catalogue"),
    ]

    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
