"""The Celery app. Settings live in Django settings under the CELERY_ namespace."""

import logging
import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lmi_portal.settings")

app = Celery("lmi_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_portal_logging(loglevel: int | str | None = None, **kwargs: Any) -> None:
    """Worker and beat log like the web processes (settings.LOGGING, LOG_FORMAT), at the level
    given on their command line (--loglevel)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
