"""Every write to cases data (STYLE.md §2): keyword-only, one transaction, actor recorded."""

from .access import (
    access_event_record,
    access_events_record_list,
    access_grant_notify,
    access_grant_request,
    access_grant_review,
    access_grant_revoke,
    case_share,
    case_unshare,
)
from .allocations import allocation_end, allocation_start
from .chronology import chronology_event_record
from .families import (
    AddressDetails,
    MemberSpec,
    case_close,
    case_reopen,
    case_transfer,
    family_member_add,
    family_member_end,
    referral_record,
    relationship_add,
    warning_add,
    warning_end,
    warning_review,
)
from .people import DuplicatePersonError, PersonDetails, person_create, person_update
from .statuses import (
    child_status_end,
    child_status_record_visit,
    child_status_start,
    child_status_update,
    review_conference_record,
)

__all__ = [
    "AddressDetails",
    "DuplicatePersonError",
    "MemberSpec",
    "PersonDetails",
    "access_event_record",
    "access_events_record_list",
    "access_grant_notify",
    "access_grant_request",
    "access_grant_review",
    "access_grant_revoke",
    "allocation_end",
    "allocation_start",
    "case_close",
    "case_reopen",
    "case_share",
    "case_transfer",
    "case_unshare",
    "child_status_end",
    "child_status_record_visit",
    "child_status_start",
    "child_status_update",
    "chronology_event_record",
    "family_member_add",
    "family_member_end",
    "person_create",
    "person_update",
    "referral_record",
    "relationship_add",
    "review_conference_record",
    "warning_add",
    "warning_end",
    "warning_review",
]
