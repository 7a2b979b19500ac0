"""Security helpers used by Tradewind's own processes (Kerberos ticket cache)."""
