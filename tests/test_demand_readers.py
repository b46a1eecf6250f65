"""The three telemetry formats, gzip, the DeviceRole split and bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.demand import circuit_owners, monthly_history, read_telemetry
from planner.demand.telemetry import (
    az_metrics_body,
    synthesize_telemetry,
    write_az_json,
    write_azure_metrics,
    write_plain_csv,
)
from planner.inputs.validate import InputError

INVENTORY = pd.DataFrame({"customer_id": ["c1", "c1", "c2"],
                          "circuit_name": ["er-c1-1", "er-c1-2", "er-c2-1"]})
LEVELS = pd.DataFrame({"customer_id": ["c1", "c2", "c1", "c2"],
                       "period": ["2027-01", "2027-01", "2027-02", "2027-02"],
                       "peak_mbps": [500.0, 80.0, 600.0, 90.0]})


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    return synthesize_telemetry(LEVELS, INVENTORY, "2027-01-20", 14, seed=4)


def history_of(paths: list[Path]) -> pd.DataFrame:
    return monthly_history(read_telemetry(paths), circuit_owners(INVENTORY)).table


def test_three_formats_give_the_same_history(samples: pd.DataFrame, tmp_path: Path) -> None:
    plain = write_plain_csv(samples, tmp_path / "plain.csv.gz")
    az = tmp_path / "az"
    write_az_json(samples, az, split_roles=True)
    metrics = write_azure_metrics(samples, tmp_path / "metrics.csv", grain_s=300)
    expected = history_of([plain])
    assert len(expected) == 4 and expected["peak_mbps"].notna().all()
    pd.testing.assert_frame_equal(history_of([az]), expected, rtol=1e-9)
    pd.testing.assert_frame_equal(history_of([metrics]), expected, rtol=1e-6)


def test_synthetic_traffic_matches_its_levels(samples: pd.DataFrame, tmp_path: Path) -> None:
    table = monthly_history(samples, circuit_owners(INVENTORY)).table
    merged = table.merge(LEVELS, on=["customer_id", "period"], suffixes=("", "_target"))
    np.testing.assert_allclose(merged["peak_mbps"], merged["peak_mbps_target"], rtol=0.05)


def test_device_role_split_is_summed(samples: pd.DataFrame, tmp_path: Path) -> None:
    rows = samples[samples["circuit"] == "er-c2-1"]
    body = az_metrics_body("er-c2-1", rows, split_roles=True)
    assert len(body["value"][0]["timeseries"]) == 2
    path = tmp_path / "one.json"
    path.write_text(json.dumps(body))
    read = read_telemetry([path])
    np.testing.assert_allclose(read["bits_in"], rows["bits_in"])
    np.testing.assert_array_equal(read["interval_s"], 300)


def test_hourly_azure_metrics_take_the_time_grain(samples: pd.DataFrame, tmp_path: Path) -> None:
    path = write_azure_metrics(samples, tmp_path / "m.csv.gz", grain_s=3600)
    with gzip.open(path, "rt") as handle:
        assert "PT1H" in handle.read(2000)
    read = read_telemetry([path])
    assert set(read["interval_s"]) == {3600}
    table = monthly_history(read, circuit_owners(INVENTORY)).table
    assert table["coverage"].iat[0] == pytest.approx(12 * 86400 / (31 * 86400))


def problems_of(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_telemetry([path])
    return str(caught.value)


def test_plain_csv_errors_name_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("circuit_name,timestamp,bits_in_per_s,bits_out_per_s\n"
                    "er-1,2027-01-01T00:00:00Z,1,2\n"
                    "er-1,2027-01-01T00:05:00Z,-4,2\n"
                    "er-1,yesterday,1,2\n"
                    "er-1,2027-01-01T00:15:00Z,1,lots\n")
    message = problems_of(path)
    assert f"{path}, row 3, column bits_in_per_s: '-4'" in message
    assert f"{path}, row 4, column timestamp: 'yesterday'" in message
    assert f"{path}, row 5, column bits_out_per_s: 'lots'" in message


def test_duplicate_and_missing_column(tmp_path: Path) -> None:
    twice = tmp_path / "twice.csv"
    twice.write_text("circuit_name,timestamp,bits_in_per_s,bits_out_per_s\n"
                     "er-1,2027-01-01T00:00:00Z,1,2\ner-1,2027-01-01T00:00:00Z,1,2\n")
    assert "row 3, column timestamp" in problems_of(twice)
    unknown = tmp_path / "other.csv"
    unknown.write_text("circuit,when,bits\ner-1,2027-01-01,1\n")
    assert "not a telemetry file" in problems_of(unknown)


def test_az_json_errors_name_the_json_path(samples: pd.DataFrame, tmp_path: Path) -> None:
    body = az_metrics_body("er-c2-1", samples[samples["circuit"] == "er-c2-1"].head(3),
                           split_roles=False)
    body["value"][1]["timeseries"][0]["data"][2]["average"] = "fast"
    path = tmp_path / "bad.json.gz"
    with gzip.open(path, "wt") as handle:
        json.dump(body, handle)
    assert "at $.value[1].timeseries[0].data[2].average: 'fast'" in problems_of(path)
    broken = tmp_path / "broken.json"
    broken.write_text('{"value": [')
    assert "not valid JSON" in problems_of(broken)
    body["value"][1]["timeseries"][0]["data"][2]["average"] = 1.0
    body["interval"] = "P1D"
    path.write_bytes(gzip.compress(json.dumps(body).encode()))
    assert "at $.interval" in problems_of(path)


def test_azure_metrics_errors_name_the_row(samples: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write_azure_metrics(samples.head(24), path, grain_s=300)
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(",BitsOutPerSecond,", ",BitsOutPerSecond,").split(",")
    lines[3][7] = "n/a"
    lines[3] = ",".join(lines[3])
    lines.append("2027-01-20T00:00:00Z,/X/Y,ArpAvailability,,,,,,PT5M,Percent")
    path.write_text("\n".join(lines) + "\n")
    assert f"{path}, row 4, column Average: 'n/a'" in problems_of(path)


def test_log_analytics_portal_export(samples: pd.DataFrame, tmp_path: Path) -> None:
    iso = write_azure_metrics(samples, tmp_path / "iso.csv", grain_s=3600)
    table = pd.read_csv(iso)
    stamps = pd.to_datetime(table["TimeGenerated"], utc=True)
    table["TimeGenerated"] = [f"{t.month}/{t.day}/{t.year}, {t:%I:%M:%S}.000 {t:%p}"
                              for t in stamps]
    table = table.rename(columns={"TimeGenerated": "TimeGenerated [UTC]"})
    portal = tmp_path / "portal.csv"
    table.to_csv(portal, index=False)
    assert "1/20/2027, 12:00:00.000 AM" in portal.read_text()
    pd.testing.assert_frame_equal(read_telemetry([portal]), read_telemetry([iso]))
