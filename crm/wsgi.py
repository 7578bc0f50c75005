"""WSGI entry point (gunicorn crm.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
application = get_wsgi_application()

# What loading the application made (modules, settings, apps, URL patterns: about 100,000 objects)
# lives as long as the worker. Frozen, the collector's full passes no longer walk it: each took
# 35-80 ms on the CI machine, paid by whichever request triggered it (a page's slowest one in 20).
gc.freeze()
