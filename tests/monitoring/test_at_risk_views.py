"""The at-risk page, its export and the rules page: access, parameters, BSN, audit."""

import io

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from examens.exceptions import NotPermitted
from examens.models import AuditEvent, Membership, Role
from examens.services import set_bsn_export
from monitoring.at_risk_models import AtRiskRule
from monitoring.services import update_at_risk_rule
from tests import bsn_scan
from tests.conftest import fresh_factor, login_verified
from tests.examens.factories import AgencyFactory, MembershipFactory, OrganisationFactory

from .at_risk_factories import candidate

pytestmark = pytest.mark.django_db

PAGE = reverse("monitoring:at-risk")
EXPORT = reverse("monitoring:at-risk-export")
RULES = reverse("monitoring:at-risk-rules")


@pytest.fixture
def world():
    utrecht = OrganisationFactory(name="Utrecht")
    ended = candidate(utrecht, started_months_ago=36, ends_in_days=-10, family_name="Verlopen")
    ending = candidate(utrecht, started_months_ago=33, ends_in_days=90, family_name="Binnenkort")
    other = candidate(OrganisationFactory(name="Zeist"), started_months_ago=36, ends_in_days=-5)
    return {"utrecht": utrecht, "ended": ended, "ending": ending, "other": other}


def officer(client, organisation, *, bsn=False):
    membership = MembershipFactory(organisation=organisation, role=Role.OFFICER)
    if bsn:
        admin = fresh_factor(MembershipFactory(organisation=organisation, role=Role.ADMIN).user)
        set_bsn_export(membership, actor=admin, allowed=True)
    login_verified(client, membership.user)
    return membership.user


def test_the_page_lists_the_ended_term_and_links_to_progress(client, world):
    officer(client, world["utrecht"])
    response = client.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Verlopen" in body
    assert "Binnenkort" in body
    assert reverse("grading:progress", args=[world["ended"].pk]) in body
    assert world["other"].family_name not in body
    assert 'aria-sort="ascending"' in body  # term end, the default sort


@pytest.mark.parametrize(
    "params",
    [{"sort": "bsn"}, {"rule": "x"}, {"rule": "999999"}, {"route": "-1"}, {"regime": "<b>"}],
)
def test_bad_parameters_answer_400_with_the_form(client, world, params):
    officer(client, world["utrecht"])
    response = client.get(PAGE, params)
    assert response.status_code == 400
    assert b"Check the fields" in response.content or b"Controleer" in response.content


def test_sort_by_name_descending(client, world):
    officer(client, world["utrecht"])
    body = client.get(PAGE, {"sort": "-name"}).content.decode()
    assert body.index("Verlopen") < body.index("Binnenkort")
    assert 'aria-sort="descending"' in body


@pytest.mark.parametrize("page", ["abc", "999", "0", "-1"])
def test_a_page_that_does_not_exist_says_so(client, world, page):
    officer(client, world["utrecht"])
    response = client.get(PAGE, {"page": page})
    assert response.status_code == 200
    assert b'role="status"' in response.content


def test_the_page_is_not_for_planners(client, world):
    login_verified(client, MembershipFactory(organisation=world["utrecht"], role=Role.PLANNER).user)
    assert client.get(PAGE).status_code == 404
    assert client.post(EXPORT, {"format": "csv"}).status_code == 404


def _download(client, data):
    response = client.post(EXPORT, data)
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_without_entitlement_holds_no_bsn(client, world, fmt):
    user = officer(client, world["utrecht"])
    with bsn_scan.isolated() as scan:
        response, body = _download(client, {"format": fmt})
    assert response.status_code == 200
    assert scan.counts["responses"] == 1
    assert scan.findings == []
    text = body.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(body)
    assert "Verlopen" in text
    assert "BSN" not in text
    event = AuditEvent.objects.get(actor=user, action="monitoring.at_risk.exported")
    assert event.data["rows"] == 2
    assert event.data["with_bsn"] is False


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_entitled_export_carries_own_residents_bsn_and_is_audited(client, world, fmt):
    user = officer(client, world["utrecht"], bsn=True)
    expired = AtRiskRule.objects.get(kind=AtRiskRule.Kind.TERM_EXPIRED)
    with bsn_scan.isolated() as scan:
        _response, body = _download(client, {"format": fmt, "rule": expired.pk})
    text = body.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(body)
    assert world["ended"].bsn in text
    assert world["ending"].bsn not in text
    assert world["other"].bsn not in text
    assert len(scan.findings) == 1  # the scan sees the one BSN, and only in this download
    event = AuditEvent.objects.get(actor=user, action="monitoring.at_risk.exported_with_bsn")
    assert event.data["rows"] == 1
    assert event.data["filters"]["rule"] == expired.pk
    assert world["ended"].bsn not in str(event.data)


def _xlsx_text(body: bytes) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return "\n".join(" ".join(str(v) for v in row if v is not None) for row in sheet.values)


def test_an_export_without_a_format_writes_nothing(client, world):
    officer(client, world["utrecht"])
    before = AuditEvent.objects.count()
    response = client.post(EXPORT, {"candidate": world["ended"].pk})
    assert response.status_code == 400
    assert AuditEvent.objects.count() == before


def test_the_rules_page_lets_the_agency_admin_change_a_rule(client, world):
    admin = MembershipFactory(organisation=AgencyFactory(), role=Role.ADMIN).user
    login_verified(client, admin)
    rule = AtRiskRule.objects.get(kind=AtRiskRule.Kind.TERM_ENDING)
    response = client.post(RULES, {"rule": rule.pk, "parameter": "4", "active": "on"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.parameter == 4
    assert rule.updated_by == admin
    event = AuditEvent.objects.get(action="monitoring.at_risk_rule.changed")
    assert event.data["previous"] == {"parameter": 6, "active": True}


@pytest.mark.parametrize("parameter", ["0", "121", "x", ""])
def test_a_bad_parameter_is_refused_by_name(client, parameter):
    login_verified(client, MembershipFactory(organisation=AgencyFactory(), role=Role.ADMIN).user)
    rule = AtRiskRule.objects.get(kind=AtRiskRule.Kind.NO_ATTEMPT)
    response = client.post(RULES, {"rule": rule.pk, "parameter": parameter, "active": "on"})
    assert response.status_code == 400
    rule.refresh_from_db()
    assert rule.parameter == 6


def test_a_municipal_admin_may_not_change_rules(client, world):
    admin = MembershipFactory(organisation=world["utrecht"], role=Role.ADMIN).user
    login_verified(client, admin)
    rule = AtRiskRule.objects.get(kind=AtRiskRule.Kind.TERM_ENDING)
    response = client.post(RULES, {"rule": rule.pk, "parameter": "1", "active": "on"})
    assert response.status_code in (403, 404)
    rule.refresh_from_db()
    assert rule.parameter == 6


def test_update_rule_service_is_idempotent_and_checks_kind():
    admin = fresh_factor(MembershipFactory(organisation=AgencyFactory(), role=Role.ADMIN).user)
    expired = AtRiskRule.objects.get(kind=AtRiskRule.Kind.TERM_EXPIRED)
    with pytest.raises(Exception, match="geen getal"):
        update_at_risk_rule(expired.pk, actor=admin, parameter=3, active=True)
    update_at_risk_rule(expired.pk, actor=admin, parameter=None, active=True)
    assert not AuditEvent.objects.filter(action="monitoring.at_risk_rule.changed").exists()
    update_at_risk_rule(expired.pk, actor=admin, parameter=None, active=False)
    assert AuditEvent.objects.filter(action="monitoring.at_risk_rule.changed").count() == 1


def test_bsn_export_is_granted_by_the_organisations_admin_only(world):
    membership = MembershipFactory(organisation=world["utrecht"], role=Role.OFFICER)
    other_admin = fresh_factor(MembershipFactory(role=Role.ADMIN).user)
    with pytest.raises(NotPermitted):
        set_bsn_export(membership, actor=other_admin, allowed=True)
    planner = MembershipFactory(organisation=world["utrecht"], role=Role.PLANNER)
    admin = fresh_factor(MembershipFactory(organisation=world["utrecht"], role=Role.ADMIN).user)
    with pytest.raises(Exception, match="Alleen medewerkers van een gemeente of DUO"):
        set_bsn_export(planner, actor=admin, allowed=True)
    set_bsn_export(membership, actor=admin, allowed=True)
    set_bsn_export(membership, actor=admin, allowed=True)
    assert Membership.objects.get(pk=membership.pk).may_export_bsn
    assert AuditEvent.objects.filter(action="examens.membership.bsn_export_allowed").count() == 1


def test_the_home_page_links_to_the_at_risk_list(client, world):
    officer(client, world["utrecht"])
    assert PAGE.encode() in client.get(reverse("examens:home")).content
