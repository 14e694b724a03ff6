"""Dunning Desk: receivables collection for Chinese B2B firms."""

__version__ = "0.1.0"
