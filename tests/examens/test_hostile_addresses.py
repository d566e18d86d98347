"""Addresses a person or a scanner can type: a NUL in a page's address is a 400 before any
view (on PostgreSQL it would reach a look-up and fail there), and a number in a search
address is not carried on to the login page."""

import pytest
from django.test import Client

from tests.scheduling.factories import SessionFactory
from tests.scheduling.test_api import token_client

pytestmark = pytest.mark.django_db

ADDRESSES = [
    "/c/v/%00",
    "/c/v/abc%00.json",
    "/c/d/%00",
    "/planning/feeds/%00.ics",
    "/candidates/?q=%00",
    "/login/?next=/%00",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_nul_in_a_page_address_is_a_400(client, address):
    response = client.get(address)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_the_api_answers_a_nul_itself_in_its_own_shape(client):
    api = token_client(client, SessionFactory().centre.organisation)

    response = api.get("/api/v1/availability/?component=%00")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_the_login_redirect_does_not_carry_a_number_on():
    response = Client().get("/candidates/", {"q": "1234.56.782"})

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fcandidates%2F"


def test_the_login_redirect_keeps_a_name_search():
    response = Client().get("/candidates/", {"q": "Haddad"})

    assert response["Location"] == "/login/?next=%2Fcandidates%2F%3Fq%3DHaddad"
