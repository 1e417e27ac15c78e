"""The footer says the people are invented only where they are (the demo), not on a real
centre's install (MARKAZ_SYNTHETIC_DATA off, as `MARKAZ_DEMO=0 make run` sets it)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("synthetic", "shown"), [(True, True), (False, False)])
def test_footer_mentions_synthetic_people_only_for_the_demo(
    client, coordinator, settings, synthetic, shown
):
    settings.MARKAZ_SYNTHETIC_DATA = synthetic
    client.force_login(coordinator)
    html = client.get("/dashboard/").content.decode()
    assert ('id="synthetic-footer"' in html) is shown
