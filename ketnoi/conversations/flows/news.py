"""The news archive in the chat: "tin tuc", "chinh sach", "news" -> the latest news, policies and alerts for the
citizen's area (their subscription's area, else their OA's unit); words after the keyword, or typed next, search the
archive ignoring diacritics ("tin tuc cat nuoc"). Reads ketnoi.broadcasts.published; writes nothing."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.broadcasts.published import published_broadcasts
from ketnoi.broadcasts.services.subscriptions import subscription_for
from ketnoi.core.text import fold

from ..registry import Choice, Flow, register_flow

SHOWN = 5
EXCERPT = 160
KEYWORDS = ("tin tuc", "chinh sach", "ban tin", "thong bao moi", "news", "policies", "policy")
# Words around the search words, removed before searching ("tim tin tuc ve cat nuoc" -> "cat nuoc").
STOP_PHRASES = (*KEYWORDS, "tim kiem", "tim", "tra cuu", "xem", "ve", "moi nhat", "search", "find", "about", "latest")


def clean_query(text: str) -> str:
    folded = f" {fold(text)} "
    for phrase in sorted(STOP_PHRASES, key=len, reverse=True):
        folded = folded.replace(f" {phrase} ", " ")
    return " ".join(folded.replace("?", " ").split())


def area_path_of(turn) -> str:
    subscription = subscription_for(turn.channel_contact) if turn.channel_contact else None
    if subscription is not None and subscription.area_path:
        return subscription.area_path
    return turn.channel.unit.path


def describe(item, language: str) -> str:
    text = item.text_en if language == "en" and item.text_en else item.text
    when = item.finished_at or item.approved_at
    head = f"📰 {item.title}" + (f" ({when:%d/%m/%Y})" if when else "")
    body = text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"
    return f"{head}\n{body}"


def archive_url(query: str = "") -> str:
    try:
        url = settings.PUBLIC_BASE_URL + reverse("portal:news_list")
    except NoReverseMatch:
        return ""
    return url + ("?" + urlencode({"q": query}) if query else "")


@register_flow
class NewsFlow(Flow):
    name = "news"
    menu_title = gettext_lazy("News and policies")
    menu_order = 65  # before subscriptions (70): "tin tuc" alone means reading the news
    keywords = KEYWORDS
    transitions = {"": {"search"}, "search": {"search"}}

    def start(self, turn, argument: str = "") -> None:
        query = clean_query(argument)
        if query and self.answer(turn, query):
            return
        if query:
            self.nothing(turn, query)
            return
        latest = list(published_broadcasts(area_path=area_path_of(turn))[:SHOWN])
        if not latest:
            turn.ask("search", _("Nothing has been published for your area yet. Type words to search all news."))
            return
        parts = [describe(item, turn.language) for item in latest]
        parts.append(_("Type words to search the news, for example: cat nuoc. Type 0 for the menu."))
        url = archive_url()
        turn.ask("search", "\n\n".join(parts), [Choice(_("All news on the portal"), url=url)] if url else [])

    def handle(self, turn, step: str) -> None:
        query = clean_query(turn.text or "")
        if not query:
            turn.unknown()
            return
        if not self.answer(turn, query):
            self.nothing(turn, query)

    def nothing(self, turn, query: str) -> None:
        message = _("No news or policy matches “%(text)s”. Try other words, or type 0 for the menu.")
        turn.ask("search", message % {"text": query[:60]})

    def answer(self, turn, query: str) -> bool:
        found = list(published_broadcasts(query=query, area_path=area_path_of(turn))[: SHOWN + 1])
        if not found:
            found = list(published_broadcasts(query=query)[: SHOWN + 1])  # elsewhere in the province
        if not found:
            return False
        parts = [describe(item, turn.language) for item in found[:SHOWN]]
        if len(found) > SHOWN:
            parts.append(_("More items match; add a word, or see them all on the portal."))
        url = archive_url(query)
        turn.say("\n\n".join(parts), [Choice(_("See on the portal"), url=url)] if url else [])
        turn.done()
        return True
