"""The provider's public website, mounted at the site root."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
