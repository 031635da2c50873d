"""Benchmark: import a generated 100,000-row ledger vs merely reading it with python-calamine.

    python bench/bench_ledgers.py [--rows 100000] [--repeat 3]

Prints a markdown section (for docs/benchmarks.md). The generated ledger is a valid
输送劳动力台账 (delivered workers): unique resident IDs with correct check digits, dates in
mixed styles, so every cell goes through the full validation path.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from importlib.metadata import version  # noqa: E402

import python_calamine  # noqa: E402
import xlsxwriter  # noqa: E402

from portal.ledgers.excel import read_ledger, sniff_upload  # noqa: E402
from portal.ledgers.ledger_types import DELIVERED_WORKERS  # noqa: E402
from rules.identifiers import credit_code_check_char, resident_id_check_char  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
PLACES = ("贵州省黔西市", "贵州省毕节市七星关区", "四川省广安市", "河南省周口市", "江西省新干县")


def make_id(i: int) -> str:
    born = dt.date(1970, 1, 1) + dt.timedelta(days=i % 12000)
    first17 = f"520581{born:%Y%m%d}{i % 1000:03d}"
    # keep the 17 digits unique per row: the sequence part carries i // 12000
    first17 = first17[:14] + f"{(i // 12000) % 10}{(i % 100):02d}"
    return first17 + resident_id_check_char(first17)


def make_credit_code(i: int) -> str:
    first17 = f"91330381MA{i % 10_000_000:07d}"
    return first17 + credit_code_check_char(first17)


def generate(rows: int) -> bytes:
    rnd = random.Random(5)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": False})
    ws = wb.add_worksheet("输送劳动力台账")
    text = wb.add_format({"num_format": "@"})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, "输送劳动力台账（基准测试数据）")
    headers = [c.header for c in DELIVERED_WORKERS.columns]
    for c, h in enumerate(headers):
        ws.write_string(1, c, h)
    seen: set[str] = set()
    employers = [(f"温州龙湾第{k}鞋业有限公司", make_credit_code(k)) for k in range(300)]
    for n in range(rows):
        r = n + 2
        rid = make_id(n)
        assert rid not in seen, n
        seen.add(rid)
        employer, code = employers[n % len(employers)]
        hire = dt.date(2024, 1, 1) + dt.timedelta(days=n % 300)
        sex = "男" if int(rid[16]) % 2 else "女"
        ws.write_string(r, 0, rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN))
        ws.write_string(r, 1, rid, text)
        ws.write_string(r, 2, sex)
        ws.write_string(r, 3, f"13{rnd.randrange(10**9):09d}", text)
        ws.write_string(r, 4, rnd.choice(PLACES))
        ws.write_string(r, 5, employer)
        ws.write_string(r, 6, code, text)
        ws.write_string(r, 7, "普工")
        style = n % 3
        if style == 0:
            ws.write_datetime(r, 8, dt.datetime.combine(hire, dt.time()), datef)
        elif style == 1:
            ws.write_string(r, 8, f"{hire.year}/{hire.month}/{hire.day}")
        else:
            ws.write_string(r, 8, f"{hire.year}年{hire.month}月{hire.day}日")
        ws.write_string(r, 9, "是" if n % 17 else "否")
        ws.write_string(r, 10, f"{hire:%Y-%m}")
        ws.write_string(r, 11, "否")
        ws.write_string(r, 12, "是" if n % 9 == 0 else "否")
    wb.close()
    return buf.getvalue()


def calamine_read(data: bytes) -> int:
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return len(rows)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    t = time.perf_counter()
    data = generate(args.rows)
    gen = time.perf_counter() - t

    sniff_s, _ = timed(lambda: sniff_upload(data, "bench.xlsx"), args.repeat)
    read_s, n = timed(lambda: calamine_read(data), args.repeat)
    ticks: list[tuple[int, int]] = []
    import_s, result = timed(lambda: read_ledger(data, "bench.xlsx", DELIVERED_WORKERS,
                                                 progress=lambda d, tot: ticks.append((d, tot))),
                             args.repeat)
    assert result.ok, result.errors[:5]
    assert result.total_rows == args.rows
    existing = frozenset(result.keys()[: args.rows // 2])
    dup_s, dup = timed(lambda: read_ledger(data, "bench.xlsx", DELIVERED_WORKERS, existing), 1)
    assert not dup.rows and dup.error_count == args.rows // 2

    # the same ledger as a GBK CSV (what Excel on a Chinese Windows saves)
    buf = io.StringIO()
    csv.writer(buf).writerows([["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v)
                                for v in row] for row in
                               python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
                               .get_sheet_by_index(0).to_python(skip_empty_area=False)])
    csv_data = buf.getvalue().encode("gb18030")
    csv_s, csv_result = timed(lambda: read_ledger(csv_data, "bench.csv", DELIVERED_WORKERS), args.repeat)
    assert csv_result.ok and csv_result.total_rows == args.rows, csv_result.errors[:3]

    print(f"## Ledger import ({args.rows:,} rows, 输送劳动力台账 .xlsx)\n")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, python-calamine {version('python-calamine')}, "
          f"{platform.machine()}; median of {args.repeat} runs.\n")
    print("| step | seconds | rows/s |")
    print("|---|---:|---:|")
    print(f"| file size | {len(data) / 1024 / 1024:.1f} MB | |")
    print(f"| generate the file (XlsxWriter, not part of an import) | {gen:.2f} | |")
    print(f"| `sniff_upload` (zip checks, no extraction) | {sniff_s:.4f} | |")
    print(f"| python-calamine `to_python` only ({n:,} rows) | {read_s:.2f} | {args.rows / read_s:,.0f} |")
    print(f"| `read_ledger` (sniff + extent/formula pre-scan + read + every cell + duplicates) | {import_s:.2f} | "
          f"{args.rows / import_s:,.0f} |")
    print(f"| `read_ledger` with {len(existing):,} existing keys ({dup.error_count:,} duplicate rows, "
          f"{len(dup.errors):,} errors kept) | {dup_s:.2f} | {args.rows / dup_s:,.0f} |")
    print(f"| `read_ledger` of the same rows as a GBK CSV ({len(csv_data) / 1024 / 1024:.1f} MB) | {csv_s:.2f} | "
          f"{args.rows / csv_s:,.0f} |")
    print(f"\nValidation costs {import_s / read_s:.1f}× the bare read "
          f"({(import_s - read_s) / args.rows * 1e6:.1f} µs per row on top of it). "
          f"Progress callback called {len(ticks) // args.repeat} times per import.")


if __name__ == "__main__":
    main()
