"""The ledger: creditors, customers and contacts, contracts, invoices, credit notes, payments."""
