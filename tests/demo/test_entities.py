"""Registry entries: an organisation exists only between its first and last half-year."""

from __future__ import annotations

import pytest

from flows.demo.entities import Organisation
from flows.periods import Period


@pytest.mark.parametrize(
    ("active_from", "active_to", "period", "active"),
    [
        pytest.param("", "", Period(2020, 1), True, id="open-ended"),
        pytest.param("2025H2", "", Period(2025, 1), False, id="before-start"),
        pytest.param("2025H2", "", Period(2025, 2), True, id="first-half-year"),
        pytest.param("", "2025H1", Period(2025, 1), True, id="last-half-year"),
        pytest.param("", "2025H1", Period(2025, 2), False, id="after-end"),
        pytest.param("2024H2", "2025H1", Period(2024, 1), False, id="window-before"),
        pytest.param("2024H2", "2025H1", Period(2025, 1), True, id="window-inside"),
    ],
)
def test_an_organisation_is_active_within_its_half_years(
    active_from: str, active_to: str, period: Period, active: bool
) -> None:
    org = Organisation("B01", "第一楼院党支部", "building_branch", "C01", active_from, active_to)
    assert org.is_active(period) is active
