"""Token use is stamped through its service, at most once per precision window."""

import datetime

import pytest
from django.utils import timezone

from examens.models import Role
from examens.services import create_api_token, record_api_token_use
from tests.examens.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def test_token_use_is_stamped_once_per_precision_window():
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, role=Role.ADMIN).user
    token, _secret = create_api_token(
        organisation, actor=admin, name="zaaksysteem", scopes=["sessions:read"]
    )
    now = timezone.now()

    assert record_api_token_use(token, at=now, precision=MINUTE) is True
    assert record_api_token_use(token, at=now + MINUTE / 2, precision=MINUTE) is False
    token.refresh_from_db()
    assert token.last_used_at == now
    assert record_api_token_use(token, at=now + 2 * MINUTE, precision=MINUTE) is True
    token.refresh_from_db()
    assert token.last_used_at == now + 2 * MINUTE
