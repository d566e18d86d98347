"""Template context shared by every staff page."""

from .models import Membership
from .navigation import entries_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"nav_entries": []}
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return {"nav_entries": entries_for(user, roles)}
