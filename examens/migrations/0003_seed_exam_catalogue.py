"""Seeds the exam catalogue (Wi2021 and Wi2013) from shared/domain.md.

Durations, fees, cut-offs, tolerances and tables are configurable data: edit
them in the admin; this migration only gives a believable starting point.
"""

from django.db import migrations

REGIMES = [
    ("WI2021", "Wet inburgering 2021", "Civic Integration Act 2021", 3),
    ("WI2013", "Wet inburgering 2013", "Civic Integration Act 2013", 3),
]

# code, nl, en, run_by, delivery, minutes, assessment, fee (cents), raters, tolerance
COMPONENTS = [
    ("LEZ", "Lezen", "Reading", "central", "computer", 65, "machine", 5000, 0, 0),
    ("LUI", "Luisteren", "Listening", "central", "computer", 45, "machine", 5000, 0, 0),
    ("SCH", "Schrijven", "Writing", "central", "paper", 40, "rated", 5000, 2, 3),
    ("SPR", "Spreken", "Speaking", "central", "computer", 35, "rated", 5000, 2, 3),
    (
        "KNM",
        "Kennis Nederlandse Maatschappij",
        "Knowledge of Dutch society",
        "central",
        "computer",
        45,
        "machine",
        5000,
        0,
        0,
    ),
    (
        "PVT",
        "Participatieverklaringstraject",
        "Participation declaration",
        "decentralised",
        "practical",
        0,
        "sign_off",
        0,
        0,
        0,
    ),
    (
        "MAP",
        "Module Arbeidsmarkt en Participatie",
        "Labour market and participation",
        "decentralised",
        "practical",
        0,
        "sign_off",
        0,
        0,
        0,
    ),
    (
        "ONA",
        "Oriëntatie op de Nederlandse Arbeidsmarkt",
        "Orientation on the Dutch labour market",
        "decentralised",
        "portfolio",
        0,
        "sign_off",
        0,
        0,
        0,
    ),
    (
        "EIND",
        "Eindgesprek Z-route",
        "Z-route final interview",
        "decentralised",
        "interview",
        60,
        "sign_off",
        0,
        0,
        0,
    ),
]

LANGUAGE = ["LEZ", "LUI", "SCH", "SPR"]

# regime, code, nl, en, municipal certificate, [(component, level, optional, step-down level)]
ROUTES = [
    (
        "WI2021",
        "B1",
        "B1-route",
        "B1 route",
        False,
        [(c, "B1", False, "A2") for c in LANGUAGE]
        + [("KNM", "", False, ""), ("PVT", "", False, ""), ("MAP", "", False, "")],
    ),
    (
        "WI2021",
        "EDU",
        "Onderwijsroute",
        "Education route",
        False,
        [(c, "B1", False, "") for c in LANGUAGE] + [("KNM", "", False, ""), ("PVT", "", False, "")],
    ),
    (
        "WI2021",
        "Z",
        "Zelfredzaamheidsroute (Z-route)",
        "Self-reliance route (Z route)",
        True,
        [(c, "A1", True, "") for c in LANGUAGE]
        + [("PVT", "", False, ""), ("MAP", "", False, ""), ("EIND", "", False, "")],
    ),
    (
        "WI2013",
        "A2",
        "Inburgeringsexamen A2",
        "Civic integration exam A2",
        False,
        [(c, "A2", False, "") for c in LANGUAGE]
        + [("KNM", "", False, ""), ("ONA", "", False, ""), ("PVT", "", False, "")],
    ),
]


def nt2_table(max_raw: int, cutoff: int) -> dict[str, int]:
    """A monotone raw-to-scale table (100-900) with the cut-off landing exactly on 500."""
    table = {}
    for raw in range(max_raw + 1):
        if raw < cutoff:
            scale = 100 + (399 * raw) // max(cutoff - 1, 1) if cutoff > 1 else 100
        else:
            scale = 500 + (400 * (raw - cutoff)) // max(max_raw - cutoff, 1)
        table[str(raw)] = min(scale, 900)
    return table


# component, level, code, max raw, cut-off or None (then an NT2 table with this cut-off)
VERSIONS = [
    ("LEZ", "B1", "LEZ-B1-2026A", 40, ("table", 26)),
    ("LUI", "B1", "LUI-B1-2026A", 40, ("table", 25)),
    ("SCH", "B1", "SCH-B1-2026A", 30, ("table", 18)),
    ("SPR", "B1", "SPR-B1-2026A", 40, ("table", 24)),
    ("KNM", "", "KNM-2026A", 45, ("cutoff", 26)),
    ("LEZ", "A2", "LEZ-A2-2026A", 25, ("cutoff", 19)),
    ("LUI", "A2", "LUI-A2-2026A", 25, ("cutoff", 18)),
    ("SCH", "A2", "SCH-A2-2026A", 24, ("cutoff", 14)),
    ("SPR", "A2", "SPR-A2-2026A", 32, ("cutoff", 19)),
    ("LEZ", "A1", "LEZ-A1-2026A", 20, ("cutoff", 12)),
    ("LUI", "A1", "LUI-A1-2026A", 20, ("cutoff", 12)),
    ("SCH", "A1", "SCH-A1-2026A", 16, ("cutoff", 9)),
    ("SPR", "A1", "SPR-A1-2026A", 20, ("cutoff", 12)),
]


def seed(apps, schema_editor):
    Regime = apps.get_model("examens", "Regime")
    Route = apps.get_model("examens", "Route")
    Component = apps.get_model("examens", "Component")
    RouteRequirement = apps.get_model("examens", "RouteRequirement")
    ExamVersion = apps.get_model("examens", "ExamVersion")

    regimes = {}
    for code, nl, en, years in REGIMES:
        regimes[code], _ = Regime.objects.update_or_create(
            code=code, defaults={"name_nl": nl, "name_en": en, "term_years": years}
        )
    components = {}
    for code, nl, en, run_by, delivery, minutes, assessment, fee, raters, tol in COMPONENTS:
        components[code], _ = Component.objects.update_or_create(
            code=code,
            defaults={
                "name_nl": nl,
                "name_en": en,
                "run_by": run_by,
                "delivery": delivery,
                "duration_minutes": minutes,
                "assessment": assessment,
                "fee_cents": fee,
                "raters_required": raters,
                "rating_tolerance": tol,
            },
        )
    for regime, code, nl, en, municipal, requirements in ROUTES:
        route, _ = Route.objects.update_or_create(
            regime=regimes[regime],
            code=code,
            defaults={"name_nl": nl, "name_en": en, "issued_by_municipality": municipal},
        )
        for component, level, optional, step_down in requirements:
            RouteRequirement.objects.update_or_create(
                route=route,
                component=components[component],
                defaults={"level": level, "optional": optional, "step_down_level": step_down},
            )
    for component, level, code, max_raw, (kind, cutoff) in VERSIONS:
        defaults = {"level": level, "max_raw_score": max_raw}
        if kind == "table":
            defaults |= {
                "conversion_table": nt2_table(max_raw, cutoff),
                "pass_scale_score": 500,
                "cutoff_raw": None,
            }
        else:
            defaults |= {"cutoff_raw": cutoff, "conversion_table": None, "pass_scale_score": None}
        ExamVersion.objects.update_or_create(
            component=components[component], code=code, defaults=defaults
        )


class Migration(migrations.Migration):
    dependencies = [("examens", "0002_audit_append_only")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
