"""The monitoring bench's data: candidates since 2013, sessions, bookings, results, in SQL.

Set-based (INSERT ... SELECT generate_series) on PostgreSQL, not the ORM row by
row: 300,000 candidates and 1,000,000 bookings take minutes this way, hours
the other. Bench code, not product code: it writes the tables directly and
keeps only the database's own invariants (constraints, seat counters).

Deterministic: every choice is arithmetic on the row's number, so the same
sizes give the same data (and `--reuse` can tell a complete database by its
counts).

The shape, per candidate i (1..N):
- municipality: one large one (Utrecht, LARGE_SHARE of everyone), the rest
  spread evenly over the others;
- term start uniform from 2013-01-01 to today; before 2022 the Wi2013 A2
  route, from 2022 the Wi2021 B1 / education / Z route; about 60 % asylum
  migrants; term three years, a few with a term extension, a few exempted;
- bookings: the candidates with exams (not the Z route) get, in turn, one
  slot after the other (booking n -> examined candidate n mod E, slot n div E):
  slots 0-2 a first attempt at a component, slot 3 a retake of slot 0's
  component for those whose sitting lies in the past (its first attempt then
  is a no-show: the database allows one open booking per component), else
  a fourth component; a slot falling beyond next week is moved into the
  coming weeks (booked, not sat);
- results for every past booking: passed / failed / no-show, released three
  to nine weeks after the sitting (still a draft when that lies ahead), and
  sign-offs of the participation components for most older candidates.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

LARGE_MUNICIPALITY = ("Utrecht", "0344")
LARGE_SHARE = 12  # percent of all candidates
MUNICIPALITIES = 40
CITIES = 10
CENTRES_PER_CITY = 2
FIRST_MONDAY = datetime.date(2013, 1, 7)
WEEKS_AHEAD = 16
EXAMINED = ("LEZ", "LUI", "SCH", "SPR", "KNM")
# Session kinds: (component, level, exam version code). Kind 0-4 B1 (and KNM), 5-9 A2.
KINDS = [
    ("LEZ", "B1", "LEZ-B1-2026A"),
    ("LUI", "B1", "LUI-B1-2026A"),
    ("SCH", "B1", "SCH-B1-2026A"),
    ("SPR", "B1", "SPR-B1-2026A"),
    ("KNM", "", "KNM-2026A"),
    ("LEZ", "A2", "LEZ-A2-2026A"),
    ("LUI", "A2", "LUI-A2-2026A"),
    ("SCH", "A2", "SCH-A2-2026A"),
    ("SPR", "A2", "SPR-A2-2026A"),
    ("KNM", "", "KNM-2026A"),
]
USERS = {
    # username: (organisation, roles)
    "bench.utrecht": (LARGE_MUNICIPALITY[0], ("officer",)),
    "bench.duo": ("DUO", ("officer", "planner", "admin")),
}
PASSWORD = "bench-overview-password"  # a throw-away database  # noqa: S105  # nosec B105


def build_world() -> dict[str, int]:
    """Organisations, centres with one room each, and the bench's staff with a TOTP device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from examens.models import ExamCentre, Membership, Organisation, Room, User

    agency = Organisation.objects.create(name="DUO", kind="agency")
    large = Organisation.objects.create(
        name=LARGE_MUNICIPALITY[0], kind="municipality", cbs_code=LARGE_MUNICIPALITY[1]
    )
    others = Organisation.objects.bulk_create(
        Organisation(name=f"Gemeente {index:02d}", kind="municipality", cbs_code=f"9{index:03d}")
        for index in range(1, MUNICIPALITIES)
    )
    for city in range(CITIES):
        for number in range(CENTRES_PER_CITY):
            centre = ExamCentre.objects.create(
                organisation=agency,
                name=f"DUO Examenlocatie Stad {city:02d}-{number}",
                kind="central",
                city=f"Stad {city:02d}",
            )
            Room.objects.create(centre=centre, name="Zaal", capacity=200, step_free=True)
    organisations = {"DUO": agency, large.name: large}
    for username, (organisation, roles) in USERS.items():
        user = User.objects.create_user(username, password=PASSWORD)
        for role in roles:
            Membership.objects.create(
                user=user, organisation=organisations[organisation], role=role
            )
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    return {"agency": agency.pk, "large": large.pk, "others": len(others)}


def _ids(sql: str, params=()) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {str(key): value for key, value in cursor.fetchall()}


def generate(candidates: int, bookings: int, *, log=print) -> dict[str, int]:
    """Fill the migrated, empty database with `candidates` and `bookings` (see the module)."""
    today = timezone.localdate()
    world = build_world()
    routes = _ids(
        "SELECT r.code, r.id FROM examens_route r JOIN examens_regime g ON g.id = r.regime_id"
    )
    components = _ids("SELECT code, id FROM examens_component")
    versions = _ids("SELECT code, id FROM examens_examversion")
    municipality_ids = list(
        _ids("SELECT name, id FROM examens_organisation WHERE kind = 'municipality'").values()
    )
    others = sorted(pk for pk in municipality_ids if pk != world["large"])
    params: dict[str, Any] = {
        "n": candidates,
        "m": bookings,
        "today": today,
        "first_monday": FIRST_MONDAY,
        "large": world["large"],
        "large_share": LARGE_SHARE,
        "others": others,
        "a2": routes["A2"],
        "b1": routes["B1"],
        "edu": routes["EDU"],
        "z": routes["Z"],
        "agency": world["agency"],
        "kind_component": [components[c] for c, _, _ in KINDS],
        "kind_level": [level for _, level, _ in KINDS],
        "kind_version": [versions[v] for _, _, v in KINDS],
        "kinds": len(KINDS),
        "weeks_ahead": WEEKS_AHEAD,
        "pvt": components["PVT"],
        "map": components["MAP"],
        "ona": components["ONA"],
        "eind": components["EIND"],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM examens_user WHERE username = 'bench.duo'",
        )
        params["officer"] = cursor.fetchone()[0]
        for label, sql in STEPS:
            started = timezone.now()
            cursor.execute(sql, params)
            seconds = (timezone.now() - started).total_seconds()
            log(f"  {label}: {cursor.rowcount} rows in {seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts()


def counts() -> dict[str, int]:
    tables = {
        "candidates": "examens_candidate",
        "bookings": "scheduling_booking",
        "sessions": "scheduling_examsession",
        "results": "grading_result",
        "decisions": "examens_decision",
        "waiting": "scheduling_waitinglistentry",
    }
    with connection.cursor() as cursor:
        found = {}
        for what, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608
            found[what] = cursor.fetchone()[0]
    return found


CANDIDATES = """
INSERT INTO examens_candidate (bsn, given_names, family_name, date_of_birth, email,
    postal_address, preferred_language, municipality_id, route_id, term_start, term_end,
    is_asylum_migrant, created_at)
SELECT bsn, 'Bench', 'Kandidaat ' || i, DATE '1965-01-01' + (i * 37 %% 14000)::int,
    '', '', 'nl', municipality, route, term_start, (term_start + INTERVAL '3 years')::date,
    (i * 31 %% 10) < 6, now()
FROM (
    SELECT i, bsn,
        CASE WHEN i %% 100 < %(large_share)s THEN %(large)s
             ELSE (%(others)s::int[])[1 + (i * 7 %% cardinality(%(others)s::int[]))] END
            AS municipality,
        term_start,
        CASE WHEN term_start < DATE '2022-01-01' THEN %(a2)s
             WHEN i %% 10 < 6 THEN %(b1)s WHEN i %% 10 < 8 THEN %(edu)s ELSE %(z)s END AS route
    FROM (
        SELECT row_number() OVER (ORDER BY base) AS i,
            base::text || (weighted %% 11)::text AS bsn
        FROM (
            SELECT base, (
                9 * substr(base::text, 1, 1)::int + 8 * substr(base::text, 2, 1)::int
                + 7 * substr(base::text, 3, 1)::int + 6 * substr(base::text, 4, 1)::int
                + 5 * substr(base::text, 5, 1)::int + 4 * substr(base::text, 6, 1)::int
                + 3 * substr(base::text, 7, 1)::int + 2 * substr(base::text, 8, 1)::int
            ) AS weighted
            FROM generate_series(30000000, 30000000 + (%(n)s * 12 / 10) + 100) AS base
        ) weighed
        WHERE weighted %% 11 <= 9
    ) numbered
    CROSS JOIN LATERAL (
        SELECT DATE '2013-01-01'
            + ((i * 7919) %% (%(today)s::date - DATE '2013-01-01'))::int AS term_start
    ) started
    WHERE i <= %(n)s
) planned
ORDER BY i
"""

# Whole exemptions (3 %), a diploma exemption for reading (2 %), term extensions (5 %).
DECISIONS = """
INSERT INTO examens_decision (candidate_id, kind, ground, component_id, level, extension_days,
    extra_minutes, needs, decided_on, decided_by_id, decided_for_id, reason, evidence_reference,
    created_at)
SELECT c.id, d.kind, d.ground, d.component, '', d.days, NULL, '[]'::jsonb,
    LEAST(c.term_start + 200, %(today)s::date), %(officer)s, %(agency)s, 'Bench', '', now()
FROM examens_candidate c
CROSS JOIN LATERAL (
    SELECT 'exemption' AS kind, 'medical' AS ground, NULL::int AS component, NULL::int AS days
    WHERE c.id %% 100 = 7
    UNION ALL
    SELECT 'exemption', 'diploma',
        (SELECT id FROM examens_component WHERE code = 'LEZ'), NULL WHERE c.id %% 50 = 11
    UNION ALL
    SELECT 'term_extension', 'not_to_blame', NULL, 180 WHERE c.id %% 20 = 3
) d
"""

EXTEND_TERMS = """
UPDATE examens_candidate c SET term_end = c.term_end + d.extension_days
FROM examens_decision d WHERE d.candidate_id = c.id AND d.kind = 'term_extension'
"""

SESSIONS = """
INSERT INTO scheduling_examsession (centre_id, room_id, component_id, exam_version_id, level,
    starts_at, duration_minutes, capacity, booked_count, held_count, accommodations,
    max_extra_minutes, status, booking_closes_at, cancel_reason, created_at)
SELECT r.centre_id, r.id, (%(kind_component)s::int[])[k + 1], (%(kind_version)s::int[])[k + 1],
    (%(kind_level)s::text[])[k + 1], at, 65, 30, 0, 0, '[]'::jsonb, 0,
    CASE WHEN at < now() THEN 'results_complete' ELSE 'published' END,
    at - INTERVAL '48 hours', '', now()
FROM generate_series(0, (%(today)s::date - %(first_monday)s::date) / 7 + %(weeks_ahead)s) AS w
CROSS JOIN generate_series(0, %(kinds)s - 1) AS k
CROSS JOIN examens_room r
CROSS JOIN LATERAL (
    SELECT ((%(first_monday)s::date + w * 7 + k %% 5) + TIME '09:00'
        + (k / 5) * INTERVAL '4 hours') AT TIME ZONE 'Europe/Amsterdam' AS at
) timed
ORDER BY w, k, r.id
"""

# Which session each (week, kind, room number) is, for the bookings below.
SESSION_MAP = """
CREATE TEMP TABLE bench_session_map ON COMMIT DROP AS
SELECT s.id, (s.starts_at AT TIME ZONE 'Europe/Amsterdam')::date - %(first_monday)s::date
        - ((s.starts_at AT TIME ZONE 'Europe/Amsterdam')::date - %(first_monday)s::date) %% 7
        AS day0,
    array_position(%(kind_version)s::int[], s.exam_version_id) - 1
        + CASE WHEN s.level = '' AND extract(hour FROM s.starts_at AT TIME ZONE
            'Europe/Amsterdam') >= 12 THEN 5 ELSE 0 END AS k,
    dense_rank() OVER (ORDER BY s.room_id) - 1 AS room_number, s.starts_at
FROM scheduling_examsession s
"""

EXAMINED_CANDIDATES = """
CREATE TEMP TABLE bench_examined ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY c.id) AS e, c.id, c.route_id, c.term_start,
    (c.term_start - %(first_monday)s::date) / 7 AS start_week
FROM examens_candidate c WHERE c.route_id <> %(z)s
"""

# Each examined candidate's slots: 0-4 a first attempt at the route's components in
# turn (how far a candidate got: 2 to 5 of them), 5 a retake of slot 0's component for
# a third of those whose retake lies in the past; a slot beyond next week is moved into
# the coming weeks. The first `m` by (slot, a hash) are booked: later slots go first.
SLOTS = """
CREATE TEMP TABLE bench_slots ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY s, (x.id * 2654435761) %% 1000003, x.id) AS n,
    x.id AS candidate, s,
    CASE WHEN x.route_id = %(a2)s THEN 5 ELSE 0 END
        + (x.id + CASE WHEN s = 5 THEN 0 ELSE s END) %% 5 AS k,
    CASE WHEN s = 5 THEN 2 ELSE 1 END AS attempt,
    LEAST(x.start_week + 10 + x.id %% 6 + 8 * s, this_week + 1 + (x.id * 7 + s) %% 15) AS week,
    (x.id * 3 + s) %% rooms AS room_number
FROM bench_examined x
CROSS JOIN generate_series(0, 5) AS s
CROSS JOIN (SELECT (%(today)s::date - %(first_monday)s::date) / 7 AS this_week,
    (SELECT count(*) FROM examens_room) AS rooms) now_
WHERE s < (ARRAY[5, 5, 4, 3, 2])[1 + x.id %% 5]
    OR (s = 5 AND x.id %% 3 = 0 AND x.start_week + 10 + x.id %% 6 + 8 * 5 < this_week)
ORDER BY n
LIMIT %(m)s
"""

BOOKINGS = """
INSERT INTO scheduling_booking (session_id, candidate_id, component_id, level, status,
    attempt_number, counts_as_attempt, payer, fee_cents, slot_minutes, accommodations,
    outside_term, idempotency_key, reference, created_at, status_changed_at, status_reason,
    invitation_sent_at, invitation_failures, booked_by_id, identity_confirmed_by_id)
SELECT m.id, p.candidate, (%(kind_component)s::int[])[p.k + 1], (%(kind_level)s::text[])[p.k + 1],
    CASE WHEN m.starts_at >= now() THEN 'booked'
         WHEN r.candidate IS NOT NULL OR p.n %% 31 = 0 THEN 'no_show' ELSE 'checked_in' END,
    p.attempt, true, CASE WHEN p.attempt <= 2 THEN 'municipality' ELSE 'candidate' END, 5000, 65,
    '[]'::jsonb, false, NULL, 'BO' || lpad(p.n::text, 10, '0'),
    m.starts_at - INTERVAL '30 days', CASE WHEN m.starts_at < now() THEN m.starts_at END, '',
    m.starts_at - INTERVAL '30 days', 0, NULL, NULL
FROM bench_slots p
JOIN bench_session_map m ON m.day0 = p.week * 7 AND m.k = p.k AND m.room_number = p.room_number
-- One open booking per component (the database's rule): a retaken first attempt was missed.
LEFT JOIN bench_slots r ON r.attempt = 2 AND p.attempt = 1 AND r.candidate = p.candidate
    AND r.k = p.k
ORDER BY p.n
"""

SEAT_COUNTS = """
UPDATE scheduling_examsession s SET booked_count = t.open, capacity = GREATEST(30, t.total)
FROM (
    SELECT session_id, count(*) FILTER (WHERE status IN ('booked', 'checked_in')) AS open,
        count(*) AS total
    FROM scheduling_booking GROUP BY session_id
) t
WHERE t.session_id = s.id
"""

RESULTS = """
INSERT INTO grading_result (candidate_id, component_id, level, booking_id, exam_version_id,
    version, is_current, status, outcome, raw_score, scale_score, evidence, sat_on,
    created_by_id, created_at, released_at, released_by_id, corrects_id, correction_reason,
    import_batch_id)
SELECT b.candidate_id, b.component_id, b.level, b.id, s.exam_version_id, 1, true,
    CASE WHEN released <= now() THEN 'released' ELSE 'draft' END,
    CASE WHEN b.status = 'no_show' THEN 'no_show'
         WHEN b.id %% 100 < 85 THEN 'passed' ELSE 'failed' END,
    CASE WHEN b.status = 'no_show' THEN NULL ELSE 10 + b.id %% 15 END, NULL, '{}'::jsonb,
    (s.starts_at AT TIME ZONE 'Europe/Amsterdam')::date, NULL, s.starts_at,
    CASE WHEN released <= now() THEN released END, NULL, NULL, '', NULL
FROM scheduling_booking b
JOIN scheduling_examsession s ON s.id = b.session_id
CROSS JOIN LATERAL (SELECT s.starts_at + (21 + b.id %% 43) * INTERVAL '1 day' AS released) r
WHERE b.status IN ('checked_in', 'no_show')
"""

# Participation components (PVT; ONA, MAP, final interview by route) signed off for
# most candidates whose term started more than a year ago.
SIGN_OFFS = """
INSERT INTO grading_result (candidate_id, component_id, level, booking_id, exam_version_id,
    version, is_current, status, outcome, raw_score, scale_score, evidence, sat_on,
    created_by_id, created_at, released_at, released_by_id, corrects_id, correction_reason,
    import_batch_id)
SELECT c.id, q.component_id, '', NULL, NULL, 1, true, 'released', 'completed', NULL, NULL,
    '{}'::jsonb, c.term_start + 300, NULL, now(), (c.term_start + 300)::timestamptz, NULL, NULL,
    '', NULL
FROM examens_candidate c
JOIN examens_routerequirement q ON q.route_id = c.route_id AND NOT q.optional
WHERE q.component_id IN (%(pvt)s, %(map)s, %(ona)s, %(eind)s)
    AND c.term_start + 365 < %(today)s::date AND c.id %% 10 < 8
"""

# A waiting list: one in 100 candidates still in term, for a component of the route.
WAITING_LIST = """
INSERT INTO scheduling_waitinglistentry (candidate_id, component_id, centre_id, level, status,
    offer_expires_at, created_at, offered_session_id, booking_id)
SELECT c.id, (%(kind_component)s::int[])[k + 1], centre.id, (%(kind_level)s::text[])[k + 1],
    'waiting', NULL, now() - (c.id %% 60) * INTERVAL '1 day', NULL, NULL
FROM examens_candidate c
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.route_id = %(a2)s THEN 5 ELSE 0 END + c.id %% 5 AS k
) kind
CROSS JOIN LATERAL (
    SELECT id FROM examens_examcentre ORDER BY id OFFSET c.id %% (
        SELECT count(*) FROM examens_examcentre) LIMIT 1
) centre
WHERE c.id %% 100 = 42 AND c.term_end > %(today)s::date AND c.route_id <> %(z)s
"""

STEPS = [
    ("candidates", CANDIDATES),
    ("decisions", DECISIONS),
    ("term extensions", EXTEND_TERMS),
    ("sessions", SESSIONS),
    ("session map", SESSION_MAP),
    ("examined candidates", EXAMINED_CANDIDATES),
    ("slots", SLOTS),
    ("bookings", BOOKINGS),
    ("seat counts", SEAT_COUNTS),
    ("results", RESULTS),
    ("sign-offs", SIGN_OFFS),
    ("waiting list", WAITING_LIST),
]
