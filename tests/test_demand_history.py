"""history.csv against a hand computation (SPEC section 7)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.demand import circuit_owners, monthly_history, read_telemetry
from planner.demand.history import format_history, grouped_percentile

OWNERS = pd.DataFrame({"customer_id": ["cust-a", "cust-a", "cust-b"],
                       "circuit_name": ["ER-A", "er-b", "er-c"]})


def hand_made_csv(path: Path) -> Path:
    rows = ["circuit_name,timestamp,bits_in_per_s,bits_out_per_s"]
    # er-a: 1-minute samples 00:00..00:09, in = 10e6 * (i + 1), out = 2 x in.
    for i in range(10):
        rows.append(f"er-a,2027-02-01T00:{i:02d}:00Z,{10e6 * (i + 1):.0f},{20e6 * (i + 1):.0f}")
    # er-b: 5-minute samples, one given with an offset (+01:00), one without (UTC).
    rows += ["er-b,2027-02-01T01:00:00+01:00,100000000,20000000",
             "er-b,2027-02-01T00:05:00,100000000,20000000",
             "er-b,2027-02-01T00:10:00Z,50000000,70000000"]
    # er-c: hourly samples in January and March, none in February.
    rows += ["er-c,2027-01-01T00:00:00Z,10000000,20000000",
             "er-c,2027-01-01T01:00:00Z,30000000,5000000",
             "er-c,2027-03-01T00:00:00Z,40000000,0",
             "er-c,2027-03-01T01:00:00Z,0,60000000"]
    rows += ["ghost,2027-02-01T00:00:00Z,1,1"]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_history_matches_the_hand_computation(tmp_path: Path) -> None:
    samples = read_telemetry([hand_made_csv(tmp_path / "t.csv")])
    history = monthly_history(samples, circuit_owners(OWNERS))
    buffer = io.StringIO()
    format_history(history.table).to_csv(buffer, index=False, lineterminator="\n")
    # cust-a, 2027-02: 5-minute values [Mb/s] max(in, out) of the summed circuits:
    #   00:00 in 30+100, out 60+20 -> 130;  00:05 in 80+100, out 160+20 -> 180;
    #   00:10 in 50, out 70 -> 70.  p95 of (70, 130, 180) = 130 + 0.9 x 50 = 175.
    #   coverage 3 x 300 s / (28 x 86400 s); egress (80+180+70)e6 x 300 / 8e9 = 12.375 GB
    #   measured, / coverage = 12.375 x 2688 = 33264 GB.
    # cust-b (hourly): 2027-01 values 20, 30 -> p95 29.5; coverage 7200 / (31 x 86400);
    #   egress (20e6 + 5e6) x 3600 / 8e9 = 11.25 GB x 372 = 4185 GB.
    #   2027-02 has no data (coverage 0); 2027-03 values 40, 60 -> 59, egress 27 x 372.
    assert buffer.getvalue() == (
        "customer_id,period,peak_mbps,egress_gb,coverage\n"
        "cust-a,2027-02,175.000,33264.000,0.0004\n"
        "cust-b,2027-01,29.500,4185.000,0.0027\n"
        "cust-b,2027-02,,,0.0000\n"
        "cust-b,2027-03,59.000,10044.000,0.0027\n")
    assert history.table["coverage"].iat[0] == pytest.approx(900 / (28 * 86400), rel=1e-12)
    assert list(history.unmatched["circuit"]) == ["ghost"]
    assert len(history.low_coverage) == 4


def test_percentile_is_numpy_default_per_group() -> None:
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 7, 5000)
    values = rng.lognormal(3, 1, 5000)
    for q in (50, 90, 95, 99.9, 100):
        keys, result = grouped_percentile(groups, values, q)
        expected = [np.percentile(values[groups == k], q) for k in keys]
        np.testing.assert_array_equal(result, expected)


def test_full_month_of_five_minute_data_has_full_coverage() -> None:
    stamps = np.arange(np.datetime64("2027-04-01T00:00", "s"), np.datetime64("2027-05-01T00:00",
                       "s"), np.timedelta64(300, "s")).astype(np.int64)
    samples = pd.DataFrame({"circuit": "er-c", "timestamp": stamps, "interval_s": 300,
                            "bits_in": 8e9 / 300 / len(stamps), "bits_out": 0.0})
    samples["bits_out"] = samples["bits_in"]
    table = monthly_history(samples, {"er-c": "cust-b"}).table
    assert table["coverage"].tolist() == [1.0]
    assert table["egress_gb"].iat[0] == pytest.approx(1.0, rel=1e-12)


def test_dense_and_hashed_sums_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = read_telemetry([hand_made_csv(tmp_path / "t.csv")])
    owners = circuit_owners(OWNERS)
    dense = monthly_history(samples, owners).table
    monkeypatch.setattr("planner.demand.history.DENSE_CELLS", 0)
    pd.testing.assert_frame_equal(monthly_history(samples, owners).table, dense)
    monkeypatch.setattr("planner.demand.history.CHUNK_ROWS", 3)
    pd.testing.assert_frame_equal(monthly_history(samples, owners).table, dense)
