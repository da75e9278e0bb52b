"""The words histories show for an actor that is not an official. Services store a short machine label ("citizen",
"system", ...) in `actor_label` beside the official's name; pages show it in the reader's language, never raw."""

from django.utils.translation import pgettext_lazy

MACHINE_ACTORS = {
    "citizen": pgettext_lazy("history actor", "citizen"),
    "petitioner": pgettext_lazy("history actor", "petitioner"),
    "system": pgettext_lazy("history actor", "system"),
    "one-stop system": pgettext_lazy("history actor", "one-stop system"),
}


def actor_display(label: str) -> str:
    """An official's name as stored; a machine label in words."""
    return str(MACHINE_ACTORS.get(label, label))
