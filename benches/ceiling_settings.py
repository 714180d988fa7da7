"""The app's settings plus one bare view, for the HTTP ceiling: only the benchmark serves it.

DJANGO_SETTINGS_MODULE=benches.ceiling_settings gunicorn ajunta.wsgi ...
"""

from ajunta.settings import *  # noqa: F403

ROOT_URLCONF = "benches.ceiling_urls"
