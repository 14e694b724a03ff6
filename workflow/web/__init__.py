"""The HTTP entry point: JSON API under /api/v1 (and, later, the clerk and lawyer UI)."""
