"""Settings of the portal processes (web, worker) that tests/test_faults.py starts: the test
settings, except that tasks travel through the broker as they do in production."""

from lmi_portal.test_settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
