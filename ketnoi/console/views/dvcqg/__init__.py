"""DVCQG-compatible sync clients in the console: per-client traffic and last errors, the relay backlog, the
relay's dead letters with a retry, and switching a client's relay on or off."""
