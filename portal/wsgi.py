import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
# What a worker loads at start-up (settings, models, the URLconf with the admin registry) lives as long as the worker:
# freeze it out of the collector's full passes, which otherwise walk all of it every few requests — on the 工作台 at a
# city's size pauses of 83–93 ms every fourth request, 16–27 ms with it frozen (docs/performance.md).
get_resolver().url_patterns  # noqa: B018 - loads the URLconf and the admin now, not on the first request
gc.freeze()
