"""Writes of the DVCQG-compatible API: a call received (intake.py) and the clients and their sessions (accounts.py)."""
