"""Every write to dossiers. Keyword-only, one transaction each, history + audit + citizen notice inside it."""

from .delivery import (
    dossier_attach_supplement,
    dossier_authorize_collector,
    dossier_rate,
    dossier_register_postal,
    dossier_review_attachment,
    postal_fee_for,
)
from .intake import dossier_accept_online, dossier_receive
from .lifecycle import (
    apology_prompt_dismiss,
    apology_window_opens,
    dossier_issue_apology,
    dossier_request_supplement,
    dossier_result_ready,
    dossier_return_result,
    dossier_supplement_received,
    dossier_transition,
    is_at_risk,
)
from .linking import (
    dossier_link,
    dossier_link_by_code,
    dossier_link_by_phone,
    dossiers_exist_for_phone,
    dossiers_for_verified_phone,
    dossiers_link_verified_phone,
)
from .templates import notification_template_reset, notification_template_save

__all__ = [
    "apology_prompt_dismiss",
    "apology_window_opens",
    "dossier_accept_online",
    "dossier_attach_supplement",
    "dossier_authorize_collector",
    "dossier_issue_apology",
    "dossier_link",
    "dossier_link_by_code",
    "dossier_link_by_phone",
    "dossier_rate",
    "dossier_receive",
    "dossier_register_postal",
    "dossier_request_supplement",
    "dossier_result_ready",
    "dossier_return_result",
    "dossier_review_attachment",
    "dossier_supplement_received",
    "dossier_transition",
    "dossiers_exist_for_phone",
    "dossiers_for_verified_phone",
    "dossiers_link_verified_phone",
    "is_at_risk",
    "notification_template_reset",
    "notification_template_save",
    "postal_fee_for",
]
