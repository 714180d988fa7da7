"""Register of persons API, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from ajunta.persons import api

router = SimpleRouter(use_regex_path=False)
router.register("o/<slug:org_slug>/persons", api.PersonViewSet, basename="persons-person")

urlpatterns = router.urls
