"""Seeded synthetic data for the benchmarks: a network of river chains and its monitoring data.

Everything is drawn from numpy's PCG64 with a fixed seed, so the same sizes give byte-identical
files. Values are made as integers of the indicator's reporting precision and written as text, so
no binary float ever reaches a file (the engine must see exactly what a laboratory would send).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from bench.config import SEED

# Indicators of the manual network (case 1 and 3): (code, typical value, reporting decimals, unit).
MANUAL_INDICATORS: tuple[tuple[str, float, int, str], ...] = (
    ("COD", 16.0, 1, "mg/L"),
    ("CODMn", 4.5, 1, "mg/L"),
    ("NH3N", 0.6, 3, "mg/L"),
    ("TP", 0.12, 3, "mg/L"),
    ("TN", 1.2, 2, "mg/L"),
    ("DO", 6.5, 1, "mg/L"),
    ("BOD5", 3.2, 1, "mg/L"),
    ("pH", 7.5, 2, ""),
)
# Automatic stations (case 2): the six items stations report every four hours.
AUTO_INDICATORS: tuple[tuple[str, float, int, str], ...] = (
    ("pH", 7.6, 2, ""),
    ("DO", 6.8, 2, "mg/L"),
    ("CODMn", 4.2, 2, "mg/L"),
    ("NH3N", 0.5, 3, "mg/L"),
    ("TP", 0.1, 3, "mg/L"),
    ("TN", 1.1, 3, "mg/L"),
)
NH3N_DL = "0.025"      # ammonia detection limit, written as `0.025L`
TP_DL = "0.01"         # phosphorus detection limit, written as `<0.01`
NON_DETECT_SHARE = 0.02
NO_FLOW_SHARE = 0.002  # share of section-months with 断流 (every indicator flagged)
AUTO_FLAG_SHARE = 0.01
AUTO_LAKE_SHARE = 0.1  # some automatic stations are on lakes (TP and TN take the lake column)


@dataclass(frozen=True)
class Network:
    """Ids of a generated chain network: sections `BS00000…`, one party per chain."""

    sections: int
    chain: int

    def section_id(self, i: int) -> str:
        return f"BS{i:05d}"

    def party_id(self, i: int) -> str:
        return f"bp{i // self.chain:04d}"

    def is_control(self, i: int) -> bool:
        return i % self.chain == 0


def write_parties(net: Network, path: Path) -> Path:
    """Parties file for the ingest: one district per chain, and the city treasury."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["party_id", "name", "kind", "note"])
        out.writerow(["city_treasury", "市财政", "treasury", "合成数据 synthetic (bench)"])
        for c in range(net.sections // net.chain):
            out.writerow([f"bp{c:04d}", f"合成区{c:04d}", "district", "合成数据 synthetic (bench)"])
    return path


def write_sections(net: Network, path: Path, valid_from: date, scheme: str = "yangtze_han") -> Path:
    """Sections file: chains of `chain` sections, the head a control, each next one assessed
    against the section just upstream (the Yangtze pairing assumption, repeated at scale)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ["section_id", "name", "river", "bank", "water_body", "role", "party_id",
              "control_id", "river_order", "schemes", "valid_from", "valid_to", "note"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for i in range(net.sections):
            control = net.is_control(i)
            out.writerow([
                net.section_id(i), f"合成断面{i:05d}", f"合成河{i // net.chain:04d}", "left",
                "river", "control" if control else "assessed",
                "" if control else net.party_id(i),
                "" if control else net.section_id(i - 1),
                i % net.chain + 1, scheme, valid_from.isoformat(), "", "合成数据 synthetic (bench)",
            ])
    return path


def _decimal_text(units: np.ndarray, decimals: int) -> pl.Expr:
    """Integers of 10^-decimals as exact decimal text (17 and 1 → '1.7')."""
    series = pl.Series("u", units, dtype=pl.Int64)
    if decimals == 0:
        return pl.lit(series.cast(pl.String))
    whole = (series // 10**decimals).cast(pl.String)
    frac = (series % 10**decimals).cast(pl.String).str.zfill(decimals)
    return pl.lit(whole + "." + frac)


def _month_starts(start_year: int, years: int) -> list[date]:
    return [date(start_year + m // 12, m % 12 + 1, 1) for m in range(years * 12)]


def manual_samples(net: Network, start_year: int, years: int, seed: int = SEED) -> pl.DataFrame:
    """Long-form monthly samples, one per section, month and indicator, as the ingest reads them.

    Columns `section,sampled_at,indicator,value,unit,flag` (all text). Each section has a level
    and each section-month a shared swing, so the CPI of neighbours differs in both directions;
    about 2% of NH3-N and TP values are non-detects (`0.025L`, `<0.01`) and 0.2% of section-months
    are 断流 on every indicator.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    months = _month_starts(start_year, years)
    n_sm = net.sections * len(months)
    section_idx = np.repeat(np.arange(net.sections), len(months))
    month_idx = np.tile(np.arange(len(months)), net.sections)
    level = rng.lognormal(0.0, 0.1, net.sections)[section_idx]
    swing = rng.lognormal(0.0, 0.06, n_sm)
    no_flow = rng.random(n_sm) < NO_FLOW_SHARE
    day = 1 + section_idx % 27
    sampled = [f"{m.isoformat()[:8]}{d:02d}" for m, d in zip(
        (months[k] for k in month_idx), day, strict=True)]
    sampled_col = pl.Series("sampled_at", sampled, dtype=pl.String)
    section_col = pl.Series("section", [net.section_id(i) for i in range(net.sections)])[
        section_idx]
    frames = []
    for code, typical, decimals, unit in MANUAL_INDICATORS:
        noise = rng.lognormal(0.0, 0.05, n_sm)
        if code == "pH":
            raw = 7.5 + 0.6 * (rng.random(n_sm) - 0.5) + 0.3 * np.log(level)
        elif code == "DO":
            raw = typical / level / swing * noise
        else:
            raw = typical * level * swing * noise
        units = np.maximum(np.rint(raw * 10**decimals).astype(np.int64), 1)
        frame = pl.DataFrame({"section": section_col, "sampled_at": sampled_col}).with_columns(
            pl.lit(code).alias("indicator"), _decimal_text(units, decimals).alias("value"),
            pl.lit(unit).alias("unit"), pl.lit("").alias("flag"),
        )
        value = pl.col("value")
        if code in ("NH3N", "TP"):
            below = pl.Series(rng.random(n_sm) < NON_DETECT_SHARE)
            text = f"{NH3N_DL}L" if code == "NH3N" else f"<{TP_DL}"
            value = pl.when(pl.lit(below)).then(pl.lit(text)).otherwise(value)
        value = pl.when(pl.lit(pl.Series(no_flow))).then(pl.lit("断流")).otherwise(value)
        frames.append(frame.with_columns(value.alias("value")))
    return pl.concat(frames).sort(["section", "sampled_at", "indicator"])


def write_manual_samples(frame: pl.DataFrame, csv_path: Path, parquet_path: Path) -> int:
    """The same samples as CSV and as Parquet (identical text columns); returns the row count."""
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(csv_path)
    frame.write_parquet(parquet_path)
    return frame.height


def auto_samples(sections: list[str], year: int, days: int, seed: int = SEED + 1) -> pl.DataFrame:
    """Four-hourly automatic-station values, typed like the `samples` table (source 'auto').

    About 1% of values carry an instrument flag (fault, maintenance, calibration; value NULL) and
    about 2% of TP values are non-detects below 0.01.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    per_section = days * 6
    n = len(sections) * per_section
    sec_idx = np.repeat(np.arange(len(sections)), per_section)
    slot = np.tile(np.arange(per_section), len(sections))
    start = np.datetime64(f"{year}-01-01T00:00", "m")
    stamps = (start + (slot * 240).astype("timedelta64[m]")).astype("datetime64[us]")
    level = rng.lognormal(0.0, 0.25, len(sections))[sec_idx]
    frames = []
    flag_codes = np.array(["fault", "maintenance", "calibration"])
    for code, typical, decimals, _unit in AUTO_INDICATORS:
        noise = rng.lognormal(0.0, 0.15, n)
        if code == "pH":
            raw = 7.6 + 0.8 * (rng.random(n) - 0.5)
        elif code == "DO":
            raw = typical / level * noise
        else:
            raw = typical * level * noise
        units = np.maximum(np.rint(raw * 10**decimals).astype(np.int64), 1)
        flagged = rng.random(n) < AUTO_FLAG_SHARE
        below = (rng.random(n) < NON_DETECT_SHARE) & ~flagged if code == "TP" else np.zeros(n, bool)
        frame = pl.DataFrame({
            "section_id": pl.Series(sections)[sec_idx],
            "sampled_at": pl.Series(stamps),
            "indicator": pl.Series([code] * n),
            "units": pl.Series(units, dtype=pl.Int64),
            "decimals": pl.Series([decimals] * n, dtype=pl.Int8),
            "below_dl": pl.Series(below),
            "flagged": pl.Series(flagged),
            "flag_code": pl.Series(flag_codes[rng.integers(0, 3, n)]),
        })
        frames.append(frame.select(
            "section_id", "sampled_at", "indicator",
            pl.when(pl.col("flagged") | pl.col("below_dl")).then(None)
            .otherwise(pl.col("units")).alias("value_units"),
            "decimals", "below_dl",
            pl.when(pl.col("below_dl")).then(pl.lit(TP_DL)).otherwise(None)
            .alias("detection_limit"),
            pl.when(pl.col("flagged")).then(pl.col("flag_code")).otherwise(None).alias("flag"),
        ))
    return pl.concat(frames)


def auto_lake_sections(sections: list[str]) -> set[str]:
    """Every tenth station sits on a lake."""
    step = round(1 / AUTO_LAKE_SHARE)
    return {s for i, s in enumerate(sections) if i % step == step - 1}
