"""Caravan tests. `urlpatterns` below is the site's URLconf with the caravan's coverage and
booking pages under the "caravan" namespace, for tests marked `pytest.mark.urls("tests.caravan")`
(whether or not the root URLconf includes the whole caravan app yet)."""

from django.urls import include, path


def _patterns():
    import config.urls as root

    if any(getattr(p, "namespace", None) == "caravan" for p in root.urlpatterns):
        return list(root.urlpatterns)
    return [*root.urlpatterns, path("", include(("markaz.caravan.urls_coverage", "caravan")))]


urlpatterns = _patterns()
