"""The one view pattern: `submit` (form page), `act` (button) and `gate` (fetch or 404)."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404
from django.test import RequestFactory
from django_otp.middleware import OTPMiddleware

from examens.exceptions import NotPermitted
from examens.forms import DecisionForm
from examens.gates import gate, require
from examens.models import AuditEvent, Decision, Role
from examens.permissions import visible_candidates
from examens.services import record_decision
from examens.views.errors import act, attach_error, submit
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    MembershipFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db

TEMPLATE = "examens/decision_form.html"
DONE_URL = "/done/"


@pytest.fixture
def officer():
    """An agency officer: may record every kind of decision."""
    return MembershipFactory(role=Role.OFFICER, organisation=AgencyFactory())


def _request(user, method: str = "get", data: dict | None = None):
    request = getattr(RequestFactory(), method)("/page/", data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    OTPMiddleware(lambda request: None)(request)  # the user as every page sees it
    return request


def _texts(request) -> list[str]:
    return [str(message) for message in get_messages(request)]


def _accommodation(officer, request, candidate):
    """The decision page's call, as its view makes it."""
    form = DecisionForm(request.POST or None, allowed_kinds={"accommodation"})
    response = submit(
        request,
        form,
        lambda data: record_decision(
            candidate,
            actor=request.user,
            organisation=officer.organisation,
            kind=data["kind"],
            reason=data["reason"],
            extra_minutes=data["extra_minutes"],
            needs=data["needs"],
        ),
        success="Recorded.",
        then=DONE_URL,
        template=TEMPLATE,
        context={"candidate": candidate, "form": form},
    )
    return form, response


def test_submit_shows_the_services_refusal_on_its_field_with_400_and_writes_nothing(officer):
    candidate = CandidateFactory()
    events = AuditEvent.objects.count()
    request = _request(
        officer.user,
        "post",
        {"kind": "accommodation", "needs": ["extended_time"], "reason": "Dyslexia"},
    )

    form, response = _accommodation(officer, request, candidate)

    assert response.status_code == 400
    assert list(form.errors) == ["extra_minutes"]
    assert not Decision.objects.exists()
    assert AuditEvent.objects.count() == events
    assert _texts(request) == []


def test_submit_redirects_with_the_message_when_the_service_succeeds(officer):
    candidate = CandidateFactory()
    request = _request(
        officer.user,
        "post",
        {
            "kind": "accommodation",
            "needs": ["extended_time"],
            "extra_minutes": "30",
            "reason": "Dyslexia",
        },
    )

    form, response = _accommodation(officer, request, candidate)

    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    assert _texts(request) == ["Recorded."]
    assert Decision.objects.get(candidate=candidate).extra_minutes == 30


def test_submit_renders_the_form_with_200_on_get_and_400_when_invalid(officer):
    candidate = CandidateFactory()
    _form, page = _accommodation(officer, _request(officer.user), candidate)
    invalid_form, invalid = _accommodation(
        officer, _request(officer.user, "post", {"kind": "accommodation"}), candidate
    )
    assert page.status_code == 200
    assert invalid.status_code == 400
    assert "reason" in invalid_form.errors
    assert not Decision.objects.exists()


def test_submit_lets_a_refusal_of_the_actor_propagate_without_touching_the_form(officer):
    request = _request(officer.user, "post", {"kind": "accommodation", "reason": "x"})
    form = DecisionForm(request.POST, allowed_kinds={"accommodation"})

    def refuse(data):
        raise NotPermitted(field="reason")

    with pytest.raises(NotPermitted):
        submit(
            request,
            form,
            refuse,
            success="never",
            then=DONE_URL,
            template=TEMPLATE,
            context={"form": form},
        )
    assert not form.errors
    assert _texts(request) == []


def test_attach_error_refuses_to_show_not_permitted_on_a_field():
    form = DecisionForm({}, allowed_kinds={"accommodation"})
    with pytest.raises(NotPermitted):
        attach_error(form, NotPermitted(field="reason"))


def test_act_shows_a_domain_refusal_as_a_message_and_redirects(officer):
    candidate = CandidateFactory()
    request = _request(officer.user, "post")
    response = act(
        request,
        lambda: record_decision(
            candidate,
            actor=officer.user,
            organisation=officer.organisation,
            kind="accommodation",
            reason="",
            needs=["extended_time"],
            extra_minutes=30,
        ),
        success="Recorded.",
        then=DONE_URL,
    )
    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    assert len(_texts(request)) == 1
    assert _texts(request) != ["Recorded."]
    assert not Decision.objects.exists()


def test_act_adds_the_message_of_the_result_on_success(officer):
    candidate = CandidateFactory()
    request = _request(officer.user, "post")
    response = act(
        request,
        lambda: record_decision(
            candidate,
            actor=officer.user,
            organisation=officer.organisation,
            kind="accommodation",
            reason="Dyslexia",
            needs=["extended_time"],
            extra_minutes=30,
        ),
        success=lambda decision: f"Decision {decision.pk}",
        then=DONE_URL,
    )
    assert response.status_code == 302
    assert _texts(request) == [f"Decision {Decision.objects.get().pk}"]


def test_act_needs_a_refusal_answer_when_then_is_not_a_url(officer):
    with pytest.raises(TypeError):
        act(_request(officer.user), lambda: None, success=None, then=lambda result: None)


def test_gate_returns_the_object_the_user_may_see():
    officer = MembershipFactory(role=Role.OFFICER)
    own = CandidateFactory(municipality=officer.organisation)
    assert gate(visible_candidates(officer.user), pk=own.pk) == own


def test_gate_answers_404_for_an_absent_id():
    officer = MembershipFactory(role=Role.OFFICER)
    own = CandidateFactory(municipality=officer.organisation)
    with pytest.raises(Http404):
        gate(visible_candidates(officer.user), pk=own.pk + 1000)


def test_gate_answers_404_for_an_object_that_is_not_yours():
    officer = MembershipFactory(role=Role.OFFICER)
    stranger = CandidateFactory(municipality=OrganisationFactory())
    with pytest.raises(Http404):
        gate(visible_candidates(officer.user), pk=stranger.pk)


def test_gate_answers_404_for_a_malformed_id():
    officer = MembershipFactory(role=Role.OFFICER)
    with pytest.raises(Http404):
        gate(visible_candidates(officer.user), pk="not-a-number")


def test_require_answers_404_unless_allowed():
    require(True)
    with pytest.raises(Http404):
        require(False)


def test_submit_reads_a_lazy_context_only_when_the_page_is_shown(officer):
    candidate = CandidateFactory()
    shown = []

    def page_for(request):
        form = DecisionForm(request.POST or None, allowed_kinds={"accommodation"})

        def context():
            shown.append(True)
            return {"candidate": candidate, "form": form}

        return submit(
            request,
            form,
            lambda data: record_decision(
                candidate,
                actor=officer.user,
                organisation=officer.organisation,
                kind=data["kind"],
                reason=data["reason"],
                needs=data["needs"],
                extra_minutes=data["extra_minutes"],
            ),
            success="Recorded.",
            then=DONE_URL,
            template=TEMPLATE,
            context=context,
        )

    valid = {"kind": "accommodation", "needs": ["extended_time"], "reason": "Dyslexia"}
    refused = page_for(_request(officer.user, "post", valid))
    assert refused.status_code == 400
    assert shown == [True]
    done = page_for(_request(officer.user, "post", {**valid, "extra_minutes": "30"}))
    assert done.status_code == 302
    assert shown == [True]
