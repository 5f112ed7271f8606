"""A member's private contacts log: the networking spreadsheet, kept for them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BoardSeat(models.TextChoices):
    """The seats of a "board of mentors": complementary people a resident keeps
    around them. Mentorship shows the board; a contact may fill a seat."""

    CAREER = "career", _("Career")
    RESEARCH = "research", _("Research")
    APPLICATION = "application", _("Fellowship or job applications")
    NEAR_PEER = "near_peer", _("Near-peer (a year or two ahead)")
    IMG_VISA = "img_visa", _("IMG and visa navigation")
    WELLBEING = "wellbeing", _("Wellbeing")
