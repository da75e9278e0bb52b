"""The Zalo sandbox: a stand-in for Zalo's servers over real HTTP, for development and tests only.

- /sandbox/zalo/oauth|openapi|business + Zalo's own paths: what the Zalo adapter calls (oauth.py, openapi.py,
  followers.py, business.py; gatekeeping in gateway.py: faults, access_token, the per-app rate limit).
- Webhooks signed as Zalo signs them, sent from a thread pool with a retry ladder (webhooks.py, events.py).
- /sandbox/control/: JSON API for tests and the demo (control.py; tests use tests/sandbox_client.py).
- /sandbox/: the simulated phone (phone.py). `manage.py sandbox_setup_demo`: the demo OAs as channels (demo.py).
- Every knob and every unconfirmed behaviour: conf.py.

Production settings refuse the app, SandboxConfig.ready() refuses production settings, and import-linter forbids
production code from importing it.
"""
