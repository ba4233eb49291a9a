"""Members taking quizzes (phone-first pages)."""
from flask import Blueprint

bp = Blueprint("take", __name__)
