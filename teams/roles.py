"""Roles and disciplines (DOMAIN.md, "Team roles and disciplines"): one definition each."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    SERVICE_MANAGER = "service_manager", "Service manager"
    TEAM_MANAGER = "team_manager", "Team manager"
    ASSISTANT_TEAM_MANAGER = "assistant_team_manager", "Assistant team manager"
    SENIOR_SOCIAL_WORKER = "senior_social_worker", "Senior social worker"
    SOCIAL_WORKER = "social_worker", "Social worker"
    FAMILY_PRACTITIONER = "family_practitioner", "Family practitioner"
    TEAM_STANDARDS_COORDINATOR = "team_standards_coordinator", "Team standards coordinator"
    DOMESTIC_ABUSE_SPECIALIST = "domestic_abuse_specialist", "Domestic abuse specialist"
    MENTAL_HEALTH_SPECIALIST = "mental_health_specialist", "Mental health specialist"
    SUBSTANCE_USE_SPECIALIST = "substance_use_specialist", "Substance use specialist"
    PROBATION_OFFICER = "probation_officer", "Probation officer"
    POLICE_DA_OFFICER = "police_da_officer", "Police domestic abuse officer"


class ServiceRole(models.TextChoices):
    """Roles held outside any team."""

    INDEPENDENT_REVIEWING_OFFICER = "independent_reviewing_officer", "Independent reviewing officer"
    BOARD_MEMBER = "board_member", "Operational board member"
    PERFORMANCE_ANALYST = "performance_analyst", "Performance analyst"
    AUDITOR = "auditor", "Auditor"
    SYSTEM_ADMIN = "system_admin", "System administrator"


class Discipline(models.TextChoices):
    SOCIAL_WORK = "social_work", "Social work"
    FAMILY_SUPPORT = "family_support", "Family support"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SUBSTANCE_USE = "substance_use", "Substance use"
    MANAGEMENT = "management", "Management"
    BUSINESS_SUPPORT = "business_support", "Business support"
    PROBATION = "probation", "Probation"
    POLICING = "policing", "Policing"


class DomesticAbuseFocus(models.TextChoices):
    VICTIM = "victim", "Victim"
    PERPETRATOR = "perpetrator", "Perpetrator"


DEFAULT_DISCIPLINE: dict[str, str] = {
    Role.SERVICE_MANAGER: Discipline.MANAGEMENT,
    Role.TEAM_MANAGER: Discipline.MANAGEMENT,
    Role.ASSISTANT_TEAM_MANAGER: Discipline.MANAGEMENT,
    Role.SENIOR_SOCIAL_WORKER: Discipline.SOCIAL_WORK,
    Role.SOCIAL_WORKER: Discipline.SOCIAL_WORK,
    Role.FAMILY_PRACTITIONER: Discipline.FAMILY_SUPPORT,
    Role.TEAM_STANDARDS_COORDINATOR: Discipline.BUSINESS_SUPPORT,
    Role.DOMESTIC_ABUSE_SPECIALIST: Discipline.DOMESTIC_ABUSE,
    Role.MENTAL_HEALTH_SPECIALIST: Discipline.MENTAL_HEALTH,
    Role.SUBSTANCE_USE_SPECIALIST: Discipline.SUBSTANCE_USE,
    Role.PROBATION_OFFICER: Discipline.PROBATION,
    Role.POLICE_DA_OFFICER: Discipline.POLICING,
}

MANAGER_ROLES = frozenset({Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER})
ADULT_SPECIALIST_ROLES = frozenset(
    {
        Role.DOMESTIC_ABUSE_SPECIALIST,
        Role.MENTAL_HEALTH_SPECIALIST,
        Role.SUBSTANCE_USE_SPECIALIST,
        Role.PROBATION_OFFICER,
        Role.POLICE_DA_OFFICER,
    }
)
# Roles that see aggregates only, never a person-level record (DESIGN §5).
AGGREGATE_ONLY_ROLES = frozenset(
    {ServiceRole.BOARD_MEMBER, ServiceRole.PERFORMANCE_ANALYST, ServiceRole.SYSTEM_ADMIN}
)
