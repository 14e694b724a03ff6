"""The append-only audit log: who did what, when, with before/after, hash-chained."""
