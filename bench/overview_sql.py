"""The one raw SQL aggregate each monitoring page rests on: the bench's baseline.

Per candidate: the route's required components not yet satisfied (a current
released passed or completed result, or an active exemption for that
component); exempted when a whole exemption is active. Then, per cohort
(year the term started), regime, route and migrant group: completed, exempted,
in progress, at risk (term ends within six months, something outstanding),
term expired (ended with something outstanding).
"""

from __future__ import annotations

_PER_CANDIDATE = """
    SELECT c.id, c.municipality_id, c.term_start, c.term_end, c.route_id, c.is_asylum_migrant,
        count(q.component_id) - count(s.component_id) AS outstanding,
        bool_or(w.candidate_id IS NOT NULL) AS exempted
    FROM examens_candidate c
    JOIN examens_routerequirement q ON q.route_id = c.route_id AND NOT q.optional
    LEFT JOIN satisfied s ON s.candidate_id = c.id AND s.component_id = q.component_id
    LEFT JOIN whole w ON w.candidate_id = c.id
    {where}
    GROUP BY c.id
"""

_SATISFIED = """
WITH satisfied AS (
    SELECT r.candidate_id, r.component_id FROM grading_result r {join}
    WHERE r.is_current AND r.status = 'released' AND r.outcome IN ('passed', 'completed') {cond}
    UNION
    SELECT d.candidate_id, d.component_id FROM examens_decision d {djoin}
    WHERE d.kind = 'exemption' AND d.component_id IS NOT NULL AND d.withdrawn_at IS NULL {dcond}
),
whole AS (
    SELECT DISTINCT d.candidate_id FROM examens_decision d
    WHERE d.kind = 'exemption' AND d.component_id IS NULL AND d.withdrawn_at IS NULL
),
per AS ({per})
"""

_COUNTS = """
    count(*) AS candidates,
    count(*) FILTER (WHERE exempted) AS exempted,
    count(*) FILTER (WHERE NOT exempted AND outstanding = 0) AS completed,
    count(*) FILTER (WHERE NOT exempted AND outstanding > 0 AND term_end < %(today)s)
        AS expired,
    count(*) FILTER (WHERE NOT exempted AND outstanding > 0 AND term_end >= %(today)s
        AND term_end < %(today)s::date + INTERVAL '6 months') AS at_risk,
    count(*) FILTER (WHERE NOT exempted AND outstanding > 0
        AND term_end >= %(today)s::date + INTERVAL '6 months') AS in_progress
"""

MUNICIPALITY_OVERVIEW = (
    _SATISFIED.format(
        join="JOIN examens_candidate rc ON rc.id = r.candidate_id",
        cond="AND rc.municipality_id = %(municipality)s",
        djoin="JOIN examens_candidate dc ON dc.id = d.candidate_id",
        dcond="AND dc.municipality_id = %(municipality)s",
        per=_PER_CANDIDATE.format(where="WHERE c.municipality_id = %(municipality)s"),
    )
    + """
SELECT extract(year FROM per.term_start)::int AS cohort, g.code AS regime, rt.code AS route,
    per.is_asylum_migrant,"""
    + _COUNTS
    + """
FROM per JOIN examens_route rt ON rt.id = per.route_id JOIN examens_regime g ON g.id = rt.regime_id
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
"""
)

NATIONAL_OVERVIEW = (
    _SATISFIED.format(join="", cond="", djoin="", dcond="", per=_PER_CANDIDATE.format(where=""))
    + """
SELECT per.municipality_id, extract(year FROM per.term_start)::int AS cohort,"""
    + _COUNTS
    + """
FROM per GROUP BY 1, 2 ORDER BY 1, 2
"""
)
