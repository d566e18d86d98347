"""Every page needs a password and a verified second factor, except an explicit allow-list;
a service's NotPermitted becomes the 403 page here; an address holding a NUL is a 400; a
lost database connection a 503."""

from urllib.parse import unquote, urlencode

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .exceptions import NotPermitted
from .search import return_path
from .views.unavailable import DATABASE_UNAVAILABLE, database_unavailable

API_NAMESPACE = "api"


class SecondFactorRequiredMiddleware:
    """Refuses every view not in PUBLIC_URL_NAMES to a user without a verified factor.

    Unauthenticated visitors go to the login page; a user who has given the
    password but not the second factor goes to the verification (or forced
    enrolment) page. API views are left to DRF's permission classes, which
    demand a verified session or a scoped token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in settings.PUBLIC_URL_NAMES:
            return None
        if match and API_NAMESPACE in match.namespaces:
            return None
        user = request.user
        query = urlencode({"next": return_path(request)})  # never a number on to /login/
        if not user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?{query}")
        if name in settings.PRE_OTP_URL_NAMES:
            return None
        if not user.is_verified():
            return redirect(f"{reverse('examens:otp-verify')}?{query}")
        return None


class NotPermittedMiddleware:
    """Turns a service's NotPermitted into the 403 page: the one place pages map it.

    Views do not catch the refusal. A 403 (not a 404) is right here: the view
    gate has already answered 404 for an object the user may not see, so the
    refusal reaches this point only for an object the user may see but not
    change (examens.authz). The API maps it in examens.api_errors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, NotPermitted):
            return None
        return render(
            request,
            "examens/not_allowed.html",
            {"message": exception.message},
            status=403,
        )


class DatabaseUnavailableMiddleware:
    """Turns a database connection lost or refused in a view into a 503 to try again.

    The view's transaction is rolled back by the database, so the answer can
    honestly say that the action may not have been carried out; the next
    request connects anew (examens.views.unavailable). Pages and the API both
    get it here: DRF hands exceptions it does not map back to Django.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        return database_unavailable(request, exception)


class StaffPagesNotStoredMiddleware:
    """Every answer of a URL outside PUBLIC_URL_NAMES says `Cache-Control: private,
    no-store`: staff pages and API answers hold personal data, and neither a shared
    proxy nor the browser's disk cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name not in settings.PUBLIC_URL_NAMES:
            patch_cache_control(response, private=True, no_store=True)
        return response


class RefuseNulMiddleware:
    """A NUL in the path or the query string of a page is a 400 before any view runs.

    No address of ours holds one, and PostgreSQL refuses NUL in text: a
    `<str:…>` path argument or a query parameter carrying `%00` would otherwise
    reach a look-up and end as a server error. The API answers for itself, in
    its own error shape (its path converters and query serializers refuse a NUL).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        if "\x00" in request.path_info or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return HttpResponseBadRequest(
                _("The address holds a NUL character."), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
