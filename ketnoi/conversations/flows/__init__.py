"""The conversation flows, one module each; see ketnoi.conversations.registry for the contract. Every module here
is imported by load_flows() at start-up, so a new flow is a new file."""

import importlib
import pkgutil


def load_flows() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
