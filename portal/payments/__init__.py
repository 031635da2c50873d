"""Payments: a contract's payment schedule from its scheme, payments recorded against it, and the exports
(score sheets and settlement statements as .xlsx and PDF)."""
