"""Petition services: the only code that writes petitions (see each module)."""

from .alerts import check_deadlines, fire_alert
from .answers import answer_approve, answer_return, answer_submit, current_answer
from .citizen import close_expired, petition_close, petition_rate, petition_reopen
from .config import category_save, policy_save, routing_rule_save
from .handling import petition_accept, petition_assign, petition_forward, petition_merge, petition_refuse
from .intake import Attachment, Location, Origin, Petitioner, petition_submit
from .publication import petition_publish, petition_unpublish, public_draft

__all__ = [
    "Attachment",
    "Location",
    "Origin",
    "Petitioner",
    "answer_approve",
    "answer_return",
    "answer_submit",
    "category_save",
    "check_deadlines",
    "close_expired",
    "current_answer",
    "fire_alert",
    "petition_accept",
    "petition_assign",
    "petition_close",
    "petition_forward",
    "petition_merge",
    "petition_publish",
    "petition_rate",
    "petition_refuse",
    "petition_reopen",
    "petition_submit",
    "petition_unpublish",
    "policy_save",
    "public_draft",
    "routing_rule_save",
]
