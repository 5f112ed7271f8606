"""Set-up the handbook tests share: each test's uploaded files in a folder of
its own (the tests that delete a file look at what is left in storage), and a
published page."""

import pytest

from tests.factories import published_page


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def page(co_lead):
    return published_page(by=co_lead.user)
