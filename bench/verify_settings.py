"""Settings for bench/verify.py: the product's settings plus a bare JSON view to compare with."""

import os

from config.settings import *  # noqa: F403

# Like production: one Redis cache shared by the workers (bench/verify.py sets REDIS_URL),
# under a prefix of its own per run so that nothing from an earlier run is read back.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "bench-verify")  # noqa: F405

ROOT_URLCONF = "verify_urls"
CERTIFICATE_VERIFY_RATE_PER_MINUTE = 10**9  # the load comes from one IP: measure, don't limit
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
PUBLIC_URL_NAMES = PUBLIC_URL_NAMES | {"bench-bare"}  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": True}
