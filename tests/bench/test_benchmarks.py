"""A smoke run of every benchmark (ISSUE 10) on a tiny synthetic council, so the benchmark code
cannot rot: each page answers 200 through the real middleware as a signed-in practitioner with
the second factor, the API through a real partner token, the KPI refresh and its floor run, and
the report is written into the Markdown file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bench import runner
from bench.synthetic import generate
from safeguarding.management.commands.bench import write_section

pytestmark = pytest.mark.django_db

PAGES = {
    "Caseload",
    "Family page",
    "Workbook page",
    "Supervision agenda",
    "Person search",
    "Partner child-status API",
}


def test_every_benchmark_runs_and_the_report_is_written(tmp_path: Path) -> None:
    generate(families=30, seed=3, out=io.StringIO())

    report = runner.run(families=30, seed=3, samples=2, kpi_months=2)

    names = {row.name for row in report.rows}
    assert names >= PAGES
    assert any(name.startswith("KPI refresh (2 months") for name in names)
    for row in report.rows:
        assert row.measure.times
        assert row.floor.times
        assert row.measure.median > 0
        assert row.floor.median > 0
        assert row.measure.queries
        assert row.floor.queries
    assert report.practitioner_caseload >= 1

    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n<!-- bench:results -->\n")
    write_section(doc, 30, runner.section(report))
    write_section(doc, 30, runner.section(report))  # a re-run replaces its own section
    text = doc.read_text()
    assert text.count("<!-- bench:30 -->") == 1
    assert "| Family page |" in text
    assert "CPUs (nproc)" in text
