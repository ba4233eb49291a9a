"""Result sheets, roll-ups, exports and item analysis downloads."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
