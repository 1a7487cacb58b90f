"""Settings read from the environment: the providers' rates that sends are paced to."""

from __future__ import annotations

import pytest

from skill.config import Settings


def test_the_providers_rates_are_one_a_second_unless_set() -> None:
    # Given an environment that sets SES's rate only
    settings = Settings.from_env({"OFFICE_EMAIL_PER_SECOND": "14"})

    # Then email goes at 14 a second, SMS and calls at one
    assert (settings.email_per_second, settings.sms_per_second, settings.calls_per_second) == (14.0, 1.0, 1.0)


@pytest.mark.parametrize("value", ["0", "-2", "fast", "inf", "nan"])
def test_a_rate_that_is_no_positive_number_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match="OFFICE_CALLS_PER_SECOND must be a positive number"):
        Settings.from_env({"OFFICE_CALLS_PER_SECOND": value})
