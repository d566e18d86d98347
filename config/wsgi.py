import os

from django.core.wsgi import get_wsgi_application

from examens.checks import refuse_to_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
refuse_to_start()  # production without a public https:// SITE_URL does not start
