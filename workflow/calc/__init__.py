"""The law engine's data that the administrator maintains (calendar years, LPR quotes) and the
use cases that feed the pure engine from the ledger (the claim)."""
