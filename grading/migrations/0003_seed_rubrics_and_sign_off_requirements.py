"""Seeds a rubric for every rated exam version and the evidence sign-offs need.

Believable starting data, edited in the admin afterwards: three aspects whose
maxima add up to the version's maximum raw score, "task" as the gate (off-topic
scores 0 everywhere); MAP needs 40 practical hours, PVT a reference to the
signed declaration.
"""

from django.db import migrations

ASPECTS = [
    ("task", "Taakuitvoering", "Task completion"),
    ("vocabulary", "Woordenschat", "Vocabulary"),
    ("grammar", "Grammatica", "Grammar"),
]

# component, min hours, needs declaration reference, needs period
SIGN_OFFS = [
    ("MAP", 40, False, True),
    ("PVT", None, True, True),
    ("ONA", None, False, True),
    ("EIND", None, False, False),
]


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def seed(apps, schema_editor):
    ExamVersion = apps.get_model("examens", "ExamVersion")
    Rubric = apps.get_model("grading", "Rubric")
    Component = apps.get_model("examens", "Component")
    SignOffRequirement = apps.get_model("grading", "SignOffRequirement")
    for version in ExamVersion.objects.filter(component__assessment="rated"):
        maxima = split(version.max_raw_score, len(ASPECTS))
        aspects = [
            {"code": code, "name_nl": nl, "name_en": en, "max": most}
            for (code, nl, en), most in zip(ASPECTS, maxima, strict=True)
        ]
        Rubric.objects.get_or_create(
            exam_version=version,
            defaults={"aspects": aspects, "gate_aspect": "task", "final_rule": "mean"},
        )
    for code, hours, declaration, period in SIGN_OFFS:
        component = Component.objects.filter(code=code).first()
        if component is None:
            continue
        SignOffRequirement.objects.get_or_create(
            component=component,
            defaults={
                "min_hours": hours,
                "needs_declaration_reference": declaration,
                "needs_period": period,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("grading", "0002_versioned_results_evidence_and_overdue"),
        ("examens", "0003_seed_exam_catalogue"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
