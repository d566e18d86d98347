"""Dutch first: pages are Dutch unless the visitor chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, so most
visitors with an English-language browser (common on Dutch work laptops) would
land on English pages. Here only the language cookie set by the switch (the
`set_language` view, a plain POST form) changes the language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DutchFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
