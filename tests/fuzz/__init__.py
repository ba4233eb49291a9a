"""Fuzzing: the JSON API from its OpenAPI document (schemathesis) and the importers (hypothesis)."""
