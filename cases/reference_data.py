"""National code lists as shipped defaults (DOMAIN.md, "National code lists").

Loaded by a rerunnable data migration into ``ReferenceCode``; a council edits them in admin
when the DfE publishes a new CIN census guide. Validate against the current guide when seeding.
"""

from __future__ import annotations

import datetime as dt

# The CIN census year these lists were taken from.
CENSUS_YEAR_START = dt.date(2025, 4, 1)

REFERRAL_SOURCES = [
    ("1A", "Individual: family member, relative or carer"),
    ("1B", "Individual: acquaintance (including neighbours and child minders)"),
    ("1C", "Individual: self"),
    ("1D", "Individual: other"),
    ("2A", "Schools"),
    ("2B", "Education services"),
    ("3A", "Health services: GP"),
    ("3B", "Health services: health visitor"),
    ("3C", "Health services: school nurse"),
    ("3D", "Health services: other primary health services"),
    ("3E", "Health services: A&E (emergency department)"),
    ("3F", "Health services: other"),
    ("4", "Housing"),
    ("5A", "Local authority services: social care"),
    ("5B", "Local authority services: other internal department"),
    ("5C", "Local authority services: external"),
    ("5D", "Early help"),
    ("6", "Police"),
    ("7", "Other legal agency"),
    ("8", "Other"),
    ("9", "Anonymous"),
    ("10", "Unknown"),
]

CP_CATEGORIES = [
    ("NEG", "Neglect"),
    ("PHY", "Physical abuse"),
    ("SAB", "Sexual abuse"),
    ("EMO", "Emotional abuse"),
    ("MUL", "Multiple"),
]

LAC_LEGAL_STATUSES = [
    ("C1", "Interim care order"),
    ("C2", "Full care order"),
    ("E1", "Placement order granted"),
    ("V2", "Single period of accommodation under section 20"),
    ("L1", "Under police protection and in local authority accommodation"),
    ("L2", "Emergency protection order"),
    ("J1", "Remanded to local authority accommodation or youth detention accommodation"),
    ("J2", "Placed in local authority accommodation under PACE"),
    ("J3", "Sentenced to a youth rehabilitation order with residence or intensive fostering"),
]

CLOSURE_REASONS = [
    ("RC1", "Adopted"),
    ("RC2", "Died"),
    ("RC3", "Child arrangements order"),
    ("RC4", "Special guardianship order"),
    ("RC5", "Transferred to services of another local authority"),
    ("RC6", "Transferred to adult social care"),
    ("RC7", "Services ceased for any other reason, including child no longer in need"),
    ("RC8", "Case closed after assessment, no further action"),
    ("RC9", "Case closed after assessment, referred to early help"),
]

PRIMARY_NEEDS = [
    ("N0", "Not stated"),
    ("N1", "Abuse or neglect"),
    ("N2", "Child's disability or illness"),
    ("N3", "Parental disability or illness"),
    ("N4", "Family in acute stress"),
    ("N5", "Family dysfunction"),
    ("N6", "Socially unacceptable behaviour"),
    ("N7", "Low income"),
    ("N8", "Absent parenting"),
    ("N9", "Cases other than children in need"),
]

_FACTORS = [
    ("1", "Alcohol misuse"),
    ("2", "Drug misuse"),
    ("3", "Domestic abuse"),
    ("4", "Mental health"),
    ("5", "Learning disability"),
    ("6", "Physical disability or illness"),
]
# Factors 1-6 are recorded for the child (A), a parent or carer (B) or another person in the
# household (C); the rest concern the child only (CIN census guide, factors at end of assessment).
CIN_FACTORS = [
    *(
        (f"{number}{whose}", f"{label} ({person})")
        for number, label in _FACTORS
        for whose, person in (
            ("A", "child"),
            ("B", "parent or carer"),
            ("C", "another person in the household"),
        )
    ),
    ("7A", "Young carer"),
    ("8A", "Privately fostered"),
    ("9A", "Unaccompanied asylum-seeking child"),
    ("10A", "Going or being missing"),
    ("11A", "Child sexual exploitation"),
    ("12A", "Trafficking"),
    ("13A", "Gangs"),
    ("14A", "Socially unacceptable behaviour"),
    ("15A", "Self-harm"),
    ("16A", "Neglect"),
    ("17A", "Emotional abuse"),
    ("18B", "Physical abuse (parent or carer)"),
    ("18C", "Physical abuse (another person)"),
    ("19B", "Sexual abuse (parent or carer)"),
    ("19C", "Sexual abuse (another person)"),
    ("20", "Female genital mutilation"),
    ("21", "Other"),
    ("22A", "Abuse linked to faith or belief"),
    ("23A", "Child criminal exploitation"),
]

CODE_LISTS: dict[str, list[tuple[str, str]]] = {
    "cin_factor": CIN_FACTORS,
    "referral_source": REFERRAL_SOURCES,
    "cp_category": CP_CATEGORIES,
    "lac_legal_status": LAC_LEGAL_STATUSES,
    "closure_reason": CLOSURE_REASONS,
    "primary_need": PRIMARY_NEEDS,
}
