"""A candidate's contact details page (decision 0029): who may change the e-mail address,
the postal address and the language, how a bad value is refused, and the audit trail."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from examens.exceptions import RegistryError
from examens.models import AuditEvent, Role
from examens.services import update_candidate
from tests.conftest import login_verified
from tests.examens.factories import (
    AgencyFactory,
    CandidateFactory,
    MembershipFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db

ADDRESS = "Dorpsstraat 1\r\n1234 AB Utrecht"


def _url(candidate):
    return reverse("examens:candidate-contact", args=[candidate.pk])


def _officer(candidate, role=Role.OFFICER):
    return MembershipFactory(organisation=candidate.municipality, role=role).user


def _post(client, candidate, **changes):
    data = {"email": "", "postal_address": "", "preferred_language": "nl", **changes}
    return client.post(_url(candidate), data)


def _updates(candidate):
    return AuditEvent.objects.filter(
        action="examens.candidate.updated", object_id=str(candidate.pk)
    )


def test_the_address_holds_the_candidates_id_never_the_bsn():
    candidate = CandidateFactory()
    assert _url(candidate) == f"/candidates/{candidate.pk}/contact/"
    assert candidate.bsn not in _url(candidate)


def test_an_officer_of_the_municipality_sees_the_form_filled_in(client):
    candidate = CandidateFactory(email="a@example.nl", postal_address="Dorpsstraat 1")
    login_verified(client, _officer(candidate))
    answer = client.get(_url(candidate))
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'value="a@example.nl"' in page
    assert "Dorpsstraat 1</textarea>" in page
    assert candidate.bsn not in page


def test_an_officer_saves_address_and_language_once_audited(client):
    candidate = CandidateFactory(email="a@example.nl")
    login_verified(client, _officer(candidate))
    answer = _post(client, candidate, postal_address=ADDRESS, preferred_language="en")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("examens:candidate-detail", args=[candidate.pk])
    candidate.refresh_from_db()
    assert candidate.email == ""
    assert candidate.postal_address == "Dorpsstraat 1\n1234 AB Utrecht"
    assert candidate.preferred_language == "en"
    [event] = _updates(candidate)
    assert event.data["changed"]["postal_address"] == ["", "Dorpsstraat 1\n1234 AB Utrecht"]
    assert event.data["changed"]["email"] == ["a@example.nl", ""]
    assert candidate.bsn not in str(event.data)
    # The same values again: nothing changes, no second event (idempotent).
    again = _post(client, candidate, postal_address=ADDRESS, preferred_language="en")
    assert again.status_code == 302
    assert _updates(candidate).count() == 1


def test_the_agency_may_change_any_candidate(client):
    candidate = CandidateFactory()
    login_verified(client, MembershipFactory(organisation=AgencyFactory(), role=Role.OFFICER).user)
    assert client.get(_url(candidate)).status_code == 200
    assert _post(client, candidate, email="new@example.nl").status_code == 302
    candidate.refresh_from_db()
    assert candidate.email == "new@example.nl"


def test_an_officer_of_another_municipality_gets_404_and_changes_nothing(client):
    candidate = CandidateFactory()
    login_verified(client, MembershipFactory(organisation=OrganisationFactory()).user)
    assert client.get(_url(candidate)).status_code == 404
    assert _post(client, candidate, postal_address=ADDRESS).status_code == 404
    candidate.refresh_from_db()
    assert candidate.postal_address == ""
    assert not _updates(candidate).exists()


@pytest.mark.parametrize("role", [Role.PLANNER, Role.EXAMINER])
def test_a_planner_who_sees_the_candidate_may_not_change_it(client, role):
    """Planners see candidates (CANDIDATE_VIEW_ROLES) but do not change them: 403."""
    candidate = CandidateFactory()
    login_verified(client, _officer(candidate, role=role))
    assert client.get(_url(candidate)).status_code == 403
    assert _post(client, candidate, postal_address=ADDRESS).status_code == 403
    candidate.refresh_from_db()
    assert candidate.postal_address == ""


def test_anonymous_is_sent_to_the_login(client):
    candidate = CandidateFactory()
    answer = client.get(_url(candidate))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("examens:login"))


def test_a_bad_email_is_shown_on_its_field_and_nothing_is_written(client):
    candidate = CandidateFactory(email="a@example.nl")
    login_verified(client, _officer(candidate))
    answer = _post(client, candidate, email="not an address", postal_address=ADDRESS)
    assert answer.status_code == 400
    form = answer.context["form"]
    assert list(form.errors) == ["email"]
    page = answer.content.decode()
    assert 'id="id_email_error"' in page
    assert re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', page)
    candidate.refresh_from_db()
    assert candidate.email == "a@example.nl"
    assert candidate.postal_address == ""
    assert not _updates(candidate).exists()


def test_a_too_long_address_is_refused_on_its_field(client):
    candidate = CandidateFactory()
    login_verified(client, _officer(candidate))
    answer = _post(client, candidate, postal_address="x" * 301)
    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == ["postal_address"]
    seven_lines = "\n".join(f"regel {n}" for n in range(7))
    answer = _post(client, candidate, postal_address=seven_lines)
    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == ["postal_address"]
    candidate.refresh_from_db()
    assert candidate.postal_address == ""


def test_the_service_itself_refuses_a_bad_email_and_language_naming_the_field():
    candidate = CandidateFactory()
    officer = _officer(candidate)
    with pytest.raises(RegistryError) as refused:
        update_candidate(candidate, actor=officer, email="nope")
    assert refused.value.field == "email"
    with pytest.raises(RegistryError) as refused:
        update_candidate(candidate, actor=officer, preferred_language="de")
    assert refused.value.field == "preferred_language"
    assert not _updates(candidate).exists()


def test_next_returns_to_a_page_of_this_site_only(client):
    candidate = CandidateFactory()
    login_verified(client, _officer(candidate))
    answer = _post(client, candidate, postal_address=ADDRESS, next="/planning/letters/")
    assert answer["Location"] == "/planning/letters/"
    answer = _post(client, candidate, postal_address="Elders 2", next="https://evil.example/")
    assert answer["Location"] == reverse("examens:candidate-detail", args=[candidate.pk])


def test_the_page_is_320_px_friendly_no_table_labels_for_every_field(client):
    candidate = CandidateFactory()
    login_verified(client, _officer(candidate))
    page = client.get(_url(candidate)).content.decode()
    assert "<table" not in page
    for name in ("email", "postal_address", "preferred_language"):
        assert f'<label for="id_{name}">' in page
    assert 'type="email"' in page
    assert 'maxlength="300"' in page


def test_the_candidate_page_links_to_the_contact_page_for_editors_only(client):
    candidate = CandidateFactory(postal_address="Dorpsstraat 1")
    detail = reverse("examens:candidate-detail", args=[candidate.pk])
    login_verified(client, _officer(candidate))
    page = client.get(detail).content.decode()
    assert _url(candidate) in page
    assert "Dorpsstraat 1" in page
    client.logout()
    login_verified(client, _officer(candidate, role=Role.PLANNER))
    page = client.get(detail).content.decode()
    assert _url(candidate) not in page
    assert "Dorpsstraat 1" not in page


def test_the_progress_page_links_to_the_contact_page_for_the_officer(client):
    candidate = CandidateFactory()
    login_verified(client, _officer(candidate))
    page = client.get(reverse("grading:progress", args=[candidate.pk])).content.decode()
    assert _url(candidate) in page


def test_the_page_says_reminders_changes_and_cancellations_go_by_post_too(client):
    candidate = CandidateFactory()
    login_verified(client, _officer(candidate))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(_url(candidate)).content.decode()
    assert "the invitation, the reminder and any change or cancellation" in page
