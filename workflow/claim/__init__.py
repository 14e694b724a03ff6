"""A customer's claim (principal, late interest, limitation) built from the ledger, and its 利息计算表."""
