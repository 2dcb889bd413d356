"""Shipped defaults for the workbook's reference data.

DOMAIN.md: no public source gave the Family Programme's module titles; these defaults are
loaded by a rerunnable data migration and the council edits them in admin.
"""

from __future__ import annotations

PROGRAMME_MODULES = [
    (1, "Our family story"),
    (2, "Basic care and home conditions"),
    (3, "Keeping children safe"),
    (4, "Emotional warmth and relationships"),
    (5, "Guidance, boundaries and routines"),
    (6, "How domestic abuse, substance use and mental health affect children"),
    (7, "Support networks"),
    (8, "Sustaining change"),
]
