"""The public readers of landmap.io.read: tables read (and headers found) as the loaders do."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from landmap.errors import DataFileError
from landmap.io.load import load_cases
from landmap.io.read import read_records, read_table, table_columns

DATA = Path(__file__).resolve().parents[1] / "data"


def _titled_workbook(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["SYNTHETIC register of cases"])
    ws.append([None])
    ws.append(["លេខករណី", "latitude", "longitude", "phone"])
    ws.append(["007", 11.55, 104.92, "012345678"])
    ws.append([None, None, None, None])
    ws.append(["008", 12.1, 105.2, None])
    wb.save(path)
    return path


def test_a_csv_is_read_as_the_loader_reads_it(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(
        "sep=;\ncase_id;lat;lon;phone\n007;11.55;104.92;012345678\n008;12,1;105.2;\n".encode(
            "utf-8-sig"
        )
    )
    table = read_table(path)
    assert list(table.columns) == ["case_id", "lat", "lon", "phone"]
    assert table["case_id"].tolist() == ["007", "008"]  # leading zeros kept
    assert table["phone"].iloc[0] == "012345678"
    assert table_columns(path) == ["case_id", "lat", "lon", "phone"]
    data, report = load_cases(path)
    assert data["case_id"].tolist() == table["case_id"].tolist()
    assert report.rows["row"].tolist() == [3, 4]  # the sep= line and the header come first


def test_a_workbook_is_read_below_its_title_rows(tmp_path):
    path = _titled_workbook(tmp_path / "r.xlsx")
    table = read_table(path)
    assert list(table.columns) == ["លេខករណី", "latitude", "longitude", "phone"]
    assert table["លេខករណី"].tolist() == ["007", "008"]  # the blank row is left out
    assert table_columns(path) == ["លេខករណី", "latitude", "longitude", "phone"]
    assert table_columns(path, sheet="Sheet") == table_columns(path)


def test_a_missing_sheet_or_a_file_that_is_no_table_is_a_clear_error(tmp_path):
    path = _titled_workbook(tmp_path / "r.xlsx")
    with pytest.raises(DataFileError, match="has no sheet 'cases'; its sheets are: Sheet"):
        table_columns(path, sheet="cases")
    with pytest.raises(DataFileError, match="is not a table"):
        read_table(DATA / "community_forests.geojson")
    with pytest.raises(DataFileError, match="file not found"):
        table_columns(tmp_path / "absent.csv")


def test_records_of_any_source_come_without_their_geometry(tmp_path):
    forests = read_records(DATA / "community_forests.geojson", kind="areas")
    assert isinstance(forests, pd.DataFrame) and "geometry" not in forests.columns
    assert len(forests) == 316
    path = _titled_workbook(tmp_path / "r.xlsx")
    assert read_records(path, kind="cases").equals(read_table(path))
    assert read_records(pd.DataFrame({"a": [1]}), kind="cases") is None


def test_the_load_options_are_listed_once_in_step():
    from landmap.io import load

    assert load._Options._fields == tuple(load.LoadOptions.__annotations__)
