from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    """Django's login; django-axes locks a username+address out after repeated failures."""

    template_name = "console/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = "console:login"
