from django.shortcuts import render

from .links import available_links


def home(request):
    return render(request, "portal/home.html", {"links": available_links()})
