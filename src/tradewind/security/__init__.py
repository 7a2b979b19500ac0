"""Security helpers with no database or web dependency: password hashing, Kerberos tickets."""
