"""Optimistic locking under real contention, on real PostgreSQL (DESIGN §6: never
last-write-wins, nothing lost).

Ten threads, each with its own database connection, save the same draft from the same base
version at the same moment. Exactly one save wins; the other nine are refused and their text is
kept as conflict revisions. Fifty rounds of ten give 500 saves, and every one of the 500 texts
must be found again.

``transaction=True`` because each thread commits on its own connection: the usual
test-wrapping transaction would hide the fixture's rows from the threads.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.workbook.conftest import TeamCase, case_note_answers
from workbook.models import Entry, EntryRevision
from workbook.services import SaveResult, entry_save, entry_start

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 10
ROUNDS = 50
BARRIER_TIMEOUT_SECONDS = 30  # a writer that never arrives breaks the round instead of hanging


def _text(round_number: int, writer: int) -> str:
    return f"Round {round_number}, writer {writer}: what happened at the visit."


def _race(
    case: TeamCase, entry_id: int, base_version: int, round_number: int
) -> list[SaveResult | BaseException]:
    """Start ``WRITERS`` saves of the same draft from ``base_version`` at the same instant."""
    barrier = threading.Barrier(WRITERS, timeout=BARRIER_TIMEOUT_SECONDS)
    outcomes: list[SaveResult | BaseException] = [
        RuntimeError("writer did not finish") for _ in range(WRITERS)
    ]

    def write(writer: int) -> None:
        try:
            answers = {**case_note_answers(), "what_happened": _text(round_number, writer)}
            # Connect before the barrier so the ten UPDATEs reach PostgreSQL together, not
            # staggered by connection set-up.
            connection.ensure_connection()
            barrier.wait()
            outcomes[writer] = entry_save(
                actor=case.lead, entry_id=entry_id, answers=answers, base_version=base_version
            )
        except BaseException as exc:  # reported by the main thread's assertions
            outcomes[writer] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_saves_of_one_draft_lose_nothing(team_case: TeamCase) -> None:
    entry = entry_start(actor=team_case.lead, case=team_case.case, form_slug="case-note")
    first_version = entry.version

    for round_number in range(ROUNDS):
        base = Entry.objects.get(pk=entry.pk).version
        outcomes = _race(team_case, entry.pk, base, round_number)

        results = [outcome for outcome in outcomes if isinstance(outcome, SaveResult)]
        assert len(results) == WRITERS, [o for o in outcomes if not isinstance(o, SaveResult)]
        winners = [writer for writer, result in enumerate(results) if result.saved]
        assert len(winners) == 1, f"round {round_number}: {len(winners)} saves won"
        [winner] = winners
        current = Entry.objects.get(pk=entry.pk)
        assert current.version == base + 1
        assert current.data["what_happened"] == _text(round_number, winner)
        stored = {
            revision.data["what_happened"]: revision.is_conflict
            for revision in EntryRevision.objects.filter(entry=entry, based_on_version=base)
        }
        assert stored == {
            _text(round_number, writer): writer != winner for writer in range(WRITERS)
        }

    revisions = EntryRevision.objects.filter(entry=entry).exclude(based_on_version=0)
    all_texts = {_text(r, w) for r in range(ROUNDS) for w in range(WRITERS)}
    assert revisions.count() == ROUNDS * WRITERS
    assert set(revisions.values_list("data__what_happened", flat=True)) == all_texts
    assert revisions.filter(is_conflict=False).count() == ROUNDS
    assert revisions.filter(is_conflict=True).count() == ROUNDS * (WRITERS - 1)
    assert Entry.objects.get(pk=entry.pk).version == first_version + ROUNDS
