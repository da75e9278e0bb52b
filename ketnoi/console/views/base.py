"""What every console view shares: login, the capability it needs, the scope, and the navigation."""

from typing import ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.views.generic import TemplateView

from ketnoi.console.nav import nav_for
from ketnoi.orgs.scoping import OfficialScope, scope_of


class ConsoleView(LoginRequiredMixin, TemplateView):
    """Base of every console page.

    `capability` names what the page needs (see ketnoi.orgs.roles). Objects are always fetched through selectors
    that take the acting official, so an object outside the official's scope is a 404, never a 403 that would
    confirm it exists. tests/test_scoping_matrix.py checks that every console URL is covered.
    """

    capability: ClassVar[str | None] = None
    nav_key: ClassVar[str] = ""
    page_size: ClassVar[int] = 50

    @property
    def scope(self) -> OfficialScope:
        return scope_of(self.request.user)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.capability and not self.scope.can(self.capability):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def paginate(self, queryset):
        return Paginator(queryset, self.page_size).get_page(self.request.GET.get("page"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nav"] = nav_for(self.scope)
        context["nav_key"] = self.nav_key
        context["scope"] = self.scope
        return context
