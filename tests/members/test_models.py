"""Member model helpers."""

import pytest

from members.models import Member


@pytest.mark.parametrize(
    ("field", "choices"),
    [
        ("status", Member.Status.choices),
        ("visa_status", Member.VisaStatus.choices),
        ("training_stage", Member.TrainingStage.choices),
    ],
)
def test_choice_labels_are_djangos_labels(field, choices):
    """The member list's fast get_FOO_display gives what Django's would."""
    for value, label in [*choices, ("", ""), ("not-a-choice", "not-a-choice")]:
        member = Member(**{field: value})
        assert getattr(member, f"get_{field}_display")() == str(label)
        assert member._get_FIELD_display(Member._meta.get_field(field)) == str(label)
