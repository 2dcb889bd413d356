"""`make loadtest`'s runner (loadtest/run.py): it only ever targets this machine, runs for a
bounded time, and reports Locust's figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtest.run import LoadTestError, duration_seconds, loopback_target, main, summarise


@pytest.mark.parametrize(
    ("given", "target"),
    [
        ("127.0.0.1:8031", "http://127.0.0.1:8031"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_loopback_targets_are_accepted(given: str, target: str) -> None:
    assert loopback_target(given) == target


@pytest.mark.parametrize(
    "given", ["http://10.0.0.1:8000", "http://192.168.1.20", "https://8.8.8.8", "ftp://127.0.0.1"]
)
def test_anything_but_this_machine_is_refused(given: str) -> None:
    with pytest.raises(LoadTestError):
        loopback_target(given)


def test_the_runner_refuses_a_remote_host_before_doing_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--host", "http://10.1.2.3:8000", "--duration", "10s"]) == 2
    assert "only loopback addresses" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("5m", 300), ("1h30m", 5400), ("45", 45)]
)
def test_durations(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "five minutes", "-5m"])
def test_a_duration_that_would_not_stop_is_refused(text: str) -> None:
    with pytest.raises(LoadTestError):
        duration_seconds(text)


def test_summary_reads_locusts_csv(tmp_path: Path) -> None:
    header = (
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
    )
    stats = tmp_path / "locust_stats.csv"
    stats.write_text(
        f"{header}\n"
        "GET,/caseload/,10,1,200,210,100,400,5000,2.5,0.25,200,210,220,230,300,350,390,400,400,400,400\n"
        ",Aggregated,10,1,200,210,100,400,5000,2.5,0.25,200,210,220,230,300,350,390,400,400,400,400\n"
    )
    failures = tmp_path / "locust_failures.csv"
    failures.write_text("Method,Name,Error,Occurrences\nGET,/caseload/,status 500,1\n")
    summary = summarise(stats, failures)
    assert summary["total"]["rps"] == 2.5
    assert summary["total"]["p95_ms"] == 350
    assert summary["total"]["p99_ms"] == 400
    assert summary["requests"][0]["failures"] == 1
    assert summary["failures"] == [{"name": "/caseload/", "error": "status 500", "occurrences": 1}]
