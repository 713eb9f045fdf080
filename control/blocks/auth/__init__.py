"""The auth block: accounts, passwords, access and refresh tokens."""
