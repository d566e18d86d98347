"""The journey in a real browser (tests/browser/journey.py): what each person sees."""

import pytest

pytestmark = pytest.mark.browser


def test_an_ineligible_candidate_is_refused_with_the_rule_named(journey):
    assert "ontheffing" in journey.observed["refusal"]


def test_the_planner_books_and_the_invigilator_checks_in(journey):
    assert "geboekt" in journey.observed["booked"]
    assert "Ingecheckt" in journey.observed["checked_in"]


def test_the_qr_code_of_the_pdf_opens_a_valid_verdict(journey, server):
    assert journey.verify_url.startswith(f"{server.url}/c/v/")
    assert "geldig" in journey.observed["verdict_before"].lower()


def test_after_the_correction_the_same_url_says_revoked_with_the_reason(journey):
    verdict = journey.observed["verdict_after"].lower()
    assert "ingetrokken" in verdict
    assert "reden" in verdict
    assert "gecorrigeerd" in verdict  # the reason code result_corrected, with its label


def test_the_officer_sees_the_progress(journey, world):
    assert world["journey"]["family_name"] in journey.observed["progress"]
