"""Versioned JSON API for the member flow."""
from flask import Blueprint


bp = Blueprint("api", __name__)
