"""Attack checklist (reliability.md items 1–16): each module tries one attack for real."""
