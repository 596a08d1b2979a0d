"""CSV cells the product writes are safe to open in a spreadsheet."""

import csv
import io

import pytest

from api.csv_files import csv_text


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tTab", "\rReturn"])
def test_a_cell_that_would_start_a_formula_is_kept_as_text(cell):
    text = csv_text(["name", "lat"], [{"name": cell, "lat": -12.5}])
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    assert row == {"name": "'" + cell, "lat": "-12.5"}


def test_ordinary_cells_are_untouched_and_quotes_survive():
    text = csv_text(["name"], [{"name": 'Café "Zur Post", Leipzig'}])
    assert next(csv.DictReader(io.StringIO(text)))["name"] == 'Café "Zur Post", Leipzig'
