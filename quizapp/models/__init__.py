"""All models, imported here so Alembic and the app see every table."""
from quizapp.models.attempt import CLASSIFICATIONS, MODES, Answer, Attempt, AttemptItem
from quizapp.models.bank import DIFFICULTIES, Bank, Question, QuestionVersion
from quizapp.models.org import ORG_KINDS, Org
from quizapp.models.paper import PaperTest
from quizapp.models.person import (
    PARTY_STATUSES, PERSON_STATES, ROLES, Exemption, Membership, PartyStatusPeriod, Person, RoleGrant,
)
from quizapp.models.report import ABSENCE_REASONS, Absence, IssuedReport
from quizapp.models.round import MakeupWindow, Quiz, RoundOrg, StudyRound
from quizapp.models.security import AuditLog, AuthSession, LoginThrottle

__all__ = [
    "Absence", "AuthSession", "ABSENCE_REASONS", "Answer", "Attempt", "AttemptItem", "AuditLog", "Bank",
    "CLASSIFICATIONS", "MODES", "DIFFICULTIES", "Exemption", "IssuedReport", "LoginThrottle", "MakeupWindow",
    "Membership", "Org", "ORG_KINDS", "PaperTest", "PARTY_STATUSES", "PartyStatusPeriod", "PERSON_STATES", "Person", "Question",
    "QuestionVersion", "Quiz", "ROLES", "RoleGrant", "RoundOrg", "StudyRound",
]
