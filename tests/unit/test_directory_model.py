"""Rules of the directory's value objects that an import meets on every row."""

from __future__ import annotations

import pytest

from domain.directory.model import Contact, GeoPoint
from domain.errors import InvalidInput


def test_a_point_with_both_coordinates_out_of_range_names_both():
    with pytest.raises(InvalidInput) as refused:
        GeoPoint(91.0, 500.0)
    assert [p.field for p in refused.value.problems] == ["location.lat", "location.lon"]


def test_a_phone_number_longer_than_thirty_characters_is_refused_even_with_a_plus():
    assert Contact("+" + "4" * 29).problems() == []
    assert [p.field for p in Contact("+" + "4" * 30).problems()] == ["contact.phone"]
