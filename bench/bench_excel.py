"""Benchmark .xlsx writers for exports: time and peak extra memory, one run of everything.

    .venv/bin/python bench/bench_excel.py                 # 10k, 100k, 200k rows x 8 columns
    .venv/bin/python bench/bench_excel.py --sizes 1000 --writers chargeboard,xlsxwriter

Every writer gets the same streamed rows (a generator: int id, two naive datetimes,
three strings, kWh and hours floats) and produces the same sheet: bold frozen header,
auto-filter, date and number formats. The generator's own cost (~0.15 s per 100k
rows) is inside every figure. Each (writer, size) runs in its own subprocess so its
peak RSS can be read: "peak extra" is ru_maxrss at the end minus the RSS just before
the first run, so a writer whose memory is flat shows the same small figure at every
size. Timing is the median of 5 runs, or of 3 when the first run took over 2 s. The
output goes to a file in a temporary folder (a BytesIO would count the finished
file as memory). Writers that are not installed are skipped.

pyexcelerate cannot take a generator (it needs the whole sheet as a list), so its
memory includes the materialised rows; that is the point of showing it.
rustpy-xlsxwriter 0.8.0 is a young, unvetted Rust-backed writer, listed for reference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["Session", "Start", "End", "Charger", "User", "RFID", "Energy (kWh)", "Duration (h)"]
WRITERS = ["chargeboard", "xlsxwriter", "openpyxl-write-only", "pyexcelerate", "rustpy-xlsxwriter"]
SLOW_SECONDS = 2.0


def rows(n: int):
    base = dt.datetime(2025, 1, 1)
    rnd = random.Random(1)
    for i in range(n):
        start = base + dt.timedelta(seconds=i * 317)
        kwh = rnd.random() * 50
        yield (
            i,
            start,
            start + dt.timedelta(minutes=30 + i % 600),
            f"CP-{i % 2000:04d}",
            f"User {i % 5000} Nordmann",
            f"RFID{i % 7000:08X}",
            kwh,
            kwh / 7.4,
        )


# --- writers: each writes rows(n) to path --------------------------------------------


def write_chargeboard(path: str, n: int) -> None:
    from chargeboard.excel import Column, Sheet, write_workbook

    kinds = ["int", "datetime", "datetime", "text", "text", "text", "kwh", "hours"]
    columns = [Column(title, kind) for title, kind in zip(HEADERS, kinds, strict=True)]
    write_workbook(path, [Sheet("Sessions", columns, rows(n))], [("Rows", str(n))])


def write_xlsxwriter(path: str, n: int) -> None:
    import xlsxwriter

    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    wb = xlsxwriter.Workbook(path, options)
    ws = wb.add_worksheet("Sessions")
    bold = wb.add_format({"bold": True})
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    kwh_format = wb.add_format({"num_format": "0.000"})
    hours_format = wb.add_format({"num_format": "0.00"})
    ws.write_row(0, 0, HEADERS, bold)
    ws.freeze_panes(1, 0)
    for col, width in enumerate([10, 17, 17, 24, 24, 24, 12, 12]):
        ws.set_column(col, col, width)
    write_number, write_datetime, write_string = ws.write_number, ws.write_datetime, ws.write_string
    r = 0
    for r, (sid, start, end, charger, user, rfid, kwh, hours) in enumerate(rows(n), start=1):
        write_number(r, 0, sid)
        write_datetime(r, 1, start, when)
        write_datetime(r, 2, end, when)
        write_string(r, 3, charger)
        write_string(r, 4, user)
        write_string(r, 5, rfid)
        write_number(r, 6, kwh, kwh_format)
        write_number(r, 7, hours, hours_format)
    ws.autofilter(0, 0, r, len(HEADERS) - 1)
    wb.close()


def write_openpyxl(path: str, n: int) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sessions")
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", [10, 17, 17, 24, 24, 24, 12, 12], strict=True):
        ws.column_dimensions[letter].width = width
    ws.auto_filter.ref = f"A1:H{n + 1}"  # write-only: must be known before the rows
    bold = Font(bold=True)

    def header(title):
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        return cell

    ws.append([header(t) for t in HEADERS])

    def cell(value, number_format):
        c = WriteOnlyCell(ws, value=value)
        c.number_format = number_format
        return c

    for sid, start, end, charger, user, rfid, kwh, hours in rows(n):
        ws.append(
            [
                sid,
                cell(start, "yyyy-mm-dd hh:mm"),
                cell(end, "yyyy-mm-dd hh:mm"),
                charger,
                user,
                rfid,
                cell(kwh, "0.000"),
                cell(hours, "0.00"),
            ]
        )
    wb.save(path)


def write_pyexcelerate(path: str, n: int) -> None:
    from pyexcelerate import Style, Workbook
    from pyexcelerate.Font import Font
    from pyexcelerate.Format import Format
    from pyexcelerate.Panes import Panes

    data = [HEADERS] + [list(row) for row in rows(n)]  # it needs the whole sheet as a list
    wb = Workbook()
    ws = wb.new_sheet("Sessions", data=data)
    ws.set_row_style(1, Style(font=Font(bold=True)))
    when = Style(format=Format("yyyy-mm-dd hh:mm"))
    ws.set_col_style(2, when)
    ws.set_col_style(3, when)
    ws.set_col_style(7, Style(format=Format("0.000")))
    ws.set_col_style(8, Style(format=Format("0.00")))
    ws.panes = Panes(y=1)
    ws.auto_filter = True
    wb.save(path)


def write_rustpy(path: str, n: int) -> None:
    import rustpy_xlsxwriter as rp

    records = (dict(zip(HEADERS, row, strict=True)) for row in rows(n))
    rp.write_worksheet(
        records,
        path,
        sheet_name="Sessions",
        freeze_row=1,
        bold_headers=True,
        autofilter=True,
        datetime_format="yyyy-mm-dd hh:mm",
        column_formats={
            "Energy (kWh)": rp.Format().set_num_format("0.000"),
            "Duration (h)": rp.Format().set_num_format("0.00"),
        },
        column_widths=[10, 17, 17, 24, 24, 24, 12, 12],
    )


FUNCTIONS = {
    "chargeboard": write_chargeboard,
    "xlsxwriter": write_xlsxwriter,
    "openpyxl-write-only": write_openpyxl,
    "pyexcelerate": write_pyexcelerate,
    "rustpy-xlsxwriter": write_rustpy,
}
MODULES = {
    "chargeboard": "chargeboard.excel",
    "xlsxwriter": "xlsxwriter",
    "openpyxl-write-only": "openpyxl",
    "pyexcelerate": "pyexcelerate",
    "rustpy-xlsxwriter": "rustpy_xlsxwriter",
}


def version(writer: str) -> str:
    if writer == "chargeboard":
        return "this repo"
    from importlib.metadata import version as dist_version

    return dist_version({"openpyxl-write-only": "openpyxl"}.get(writer, writer))


# --- child: one writer, one size --------------------------------------------------------


def current_rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def child(writer: str, n: int) -> dict:
    sys.path.insert(0, str(ROOT))
    __import__(MODULES[writer])
    function = FUNCTIONS[writer]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.xlsx")
        before = current_rss_kib()
        times = []
        while True:
            t0 = time.perf_counter()
            function(path, n)
            times.append(time.perf_counter() - t0)
            wanted = 3 if times[0] > SLOW_SECONDS else 5
            if len(times) >= wanted:
                break
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        size = os.path.getsize(path)
    return {
        "writer": writer,
        "version": version(writer),
        "rows": n,
        "median": statistics.median(times),
        "runs": len(times),
        "peak_extra_mib": max(0, peak - before) / 1024,
        "file_mib": size / 2**20,
    }


def available(writer: str) -> bool:
    if writer == "chargeboard":
        return True
    from importlib.util import find_spec

    return find_spec(MODULES[writer]) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,200000")
    parser.add_argument("--writers", default=",".join(WRITERS))
    parser.add_argument("--child", nargs=2, metavar=("WRITER", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return

    results = []
    for writer in args.writers.split(","):
        if not available(writer):
            print(f"skipping {writer}: not installed", file=sys.stderr)
            continue
        for n in (int(s) for s in args.sizes.split(",")):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", writer, str(n)], capture_output=True, text=True, check=False
            )
            if proc.returncode:
                print(f"{writer} {n}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(result)
            print(f"  {writer} {n:,}: {result['median']:.2f} s", file=sys.stderr)

    print(f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}; rows x 8 columns; median wall time\n")
    print("| writer | version | rows | median s | runs | peak extra RSS MiB | file MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['writer']} | {r['version']} | {r['rows']:,} | {r['median']:.2f} | {r['runs']} "
            f"| {r['peak_extra_mib']:.1f} | {r['file_mib']:.1f} |"
        )


if __name__ == "__main__":
    main()
