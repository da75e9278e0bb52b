"""Models of this app; see apps.py for what it owns."""
