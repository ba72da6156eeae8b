#!/usr/bin/env python3
"""Loads page-owner-sort's CSV with DuckDB's read_csv_auto and its JSON with Python's json,
and checks that their page sums equal the text footer's total, for report, diff and series.

    python3 scripts/check_formats.py [BINARY] [DUMP] [DUMP2]

Exits 0 when every sum agrees, 1 otherwise. Needs `pip install duckdb`."""
import json
import os
import re
import subprocess
import sys
import tempfile

import duckdb

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build", "debug", "page-owner-sort")
dump = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "Fixtures", "k7.3-m1536-numa", "s2-workload", "page_owner.zst")
dump2 = sys.argv[3] if len(sys.argv) > 3 else os.path.join(root, "Fixtures", "k7.3-m1536-numa", "s3-after", "page_owner.zst")


def run(*args):
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout


failures = []


def expect(what, got, want):
    status = "ok" if got == want else "MISMATCH"
    print(f"{status}: {what}: {got} (expected {want})")
    if got != want:
        failures.append(what)


with tempfile.TemporaryDirectory() as d:
    for keys in ["stack", "comm,caller", "memcg,order,migratetype"]:
        text = run("report", dump, "--group-by", keys)
        total = int(re.search(r"^total: (\d+) pages", text, re.M).group(1))
        csv = os.path.join(d, "r.csv")
        run("report", dump, "--group-by", keys, "--format", "csv", "-o", csv)
        pages, nbytes = duckdb.sql(f"select sum(pages), sum(bytes) from read_csv_auto('{csv}')").fetchall()[0]
        expect(f"report {keys}: CSV pages (DuckDB read_csv_auto)", int(pages), total)
        expect(f"report {keys}: CSV bytes (DuckDB read_csv_auto)", int(nbytes), total * 4096)
        doc = json.loads(run("report", dump, "--group-by", keys, "--format", "json"))
        expect(f"report {keys}: JSON group pages", sum(g["pages"] for g in doc["groups"]), total)
        expect(f"report {keys}: JSON totals.pages", doc["totals"]["pages"], total)
    # diff: before/after sums against the two inputs' report totals.
    before = int(re.search(r"^total: (\d+) pages", run("report", dump), re.M).group(1))
    after = int(re.search(r"^total: (\d+) pages", run("report", dump2), re.M).group(1))
    csv = os.path.join(d, "d.csv")
    run("diff", dump, dump2, "--group-by", "comm", "--format", "csv", "-o", csv)
    b, a, dl = duckdb.sql(f"select sum(pages_before), sum(pages_after), sum(pages_delta) from read_csv_auto('{csv}')").fetchall()[0]
    expect("diff comm: CSV pages_before", int(b), before)
    expect("diff comm: CSV pages_after", int(a), after)
    expect("diff comm: CSV pages_delta", int(dl), after - before)
    doc = json.loads(run("diff", dump, dump2, "--group-by", "comm", "--format", "json"))
    expect("diff comm: JSON pages_delta", sum(g["pages_delta"] for g in doc["groups"]), after - before)
    # series: each column sums to its snapshot's total.
    csv = os.path.join(d, "s.csv")
    run("series", dump, dump2, "--group-by", "comm", "--format", "csv", "-o", csv)
    p1, p2 = duckdb.sql(f"select sum(pages_1), sum(pages_2) from read_csv_auto('{csv}')").fetchall()[0]
    expect("series comm: CSV pages_1", int(p1), before)
    expect("series comm: CSV pages_2", int(p2), after)

print(f"{len(failures)} failed" if failures else "all sums agree")
sys.exit(1 if failures else 0)
