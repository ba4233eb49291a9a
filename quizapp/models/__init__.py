"""All models, imported here so Alembic and the app see every table."""
from quizapp.models.attempt import (
    CLASSIFICATIONS,
    MODES,
    Answer,
    Attempt,
    AttemptItem,
    AttemptMode,
    AttemptStatus,
    FinishReason,
)
from quizapp.models.bank import DIFFICULTIES, Bank, Question, QuestionVersion
from quizapp.models.org import ORG_KINDS, Org, OrgKind
from quizapp.models.paper import PaperTest
from quizapp.models.person import (
    PARTY_MEMBER_STATUSES,
    PARTY_STATUSES,
    PERSON_STATES,
    ROLES,
    Exemption,
    Membership,
    PartyStatus,
    PartyStatusPeriod,
    Person,
    PersonState,
    RoleGrant,
)
from quizapp.models.report import ABSENCE_REASONS, Absence, IssuedReport, ReportKind
from quizapp.models.round import MakeupWindow, Quiz, RoundOrg, StudyRound
from quizapp.models.security import AuditLog, AuthSession, LoginThrottle

__all__ = [
    "Absence", "AuthSession", "ABSENCE_REASONS", "Answer", "Attempt", "AttemptItem", "AttemptMode", "AttemptStatus",
    "AuditLog", "Bank", "CLASSIFICATIONS", "MODES", "DIFFICULTIES", "Exemption", "FinishReason", "IssuedReport",
    "LoginThrottle", "MakeupWindow", "Membership", "Org", "OrgKind", "ORG_KINDS", "PaperTest", "PARTY_MEMBER_STATUSES",
    "PARTY_STATUSES", "PartyStatus", "PartyStatusPeriod", "PERSON_STATES", "Person", "PersonState", "Question",
    "QuestionVersion", "Quiz", "ReportKind", "ROLES", "RoleGrant", "RoundOrg", "StudyRound",
]
