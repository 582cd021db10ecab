from django.shortcuts import render


def portal_home(request):
    """Entry page for candidates: they arrive through the signed link in their messages."""
    return render(request, "portal/home.html")
