import os

from django.core.asgi import get_asgi_application

from examens.checks import refuse_to_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()
refuse_to_start()  # production without a public https:// SITE_URL does not start
