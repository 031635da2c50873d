"""Rosters (seed 001 附件2 累计输送劳动力名册) for the tests: n distinct valid workers from outside Zhejiang."""
from __future__ import annotations

import csv
import io
from datetime import date

from rules.identifiers import resident_id_check_char

ROSTER_HEADERS = ["序号", "姓名", "身份证号", "户籍", "入职企业", "入职时间"]


def resident_id(n: int, *, area: str = "520581", born: date = date(1990, 3, 7), male: bool = True) -> str:
    """A valid GB 11643 number; distinct for n < 500 (the sequence's last digit gives the sex)."""
    sequence = f"{2 * n + (1 if male else 2):03d}"
    first17 = f"{area}{born:%Y%m%d}{sequence}"
    return first17 + resident_id_check_char(first17)


def roster_rows(n: int, **over) -> list[list]:
    rows = []
    for i in range(n):
        row = {"序号": i + 1, "姓名": f"工人{i:03d}", "身份证号": resident_id(i), "户籍": "贵州省黔西市",
               "入职企业": "金华某制造有限公司", "入职时间": "2024-03-05"}
        row.update(over)
        rows.append([row[h] for h in ROSTER_HEADERS])
    return rows


def roster_csv(n: int, rows: list[list] | None = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(ROSTER_HEADERS)
    writer.writerows(rows if rows is not None else roster_rows(n))
    return buf.getvalue().encode("utf-8-sig")


def roster_xlsx(n: int, rows: list[list] | None = None) -> bytes:
    from tests.portal.ledgers.ledger_builders import xlsx

    return xlsx(rows if rows is not None else roster_rows(n), headers=ROSTER_HEADERS, sheet="名册",
                title="累计输送劳动力名册")
