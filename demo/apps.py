from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: ``manage.py seed_demo`` loads each app's ``<app>/demo.py`` set-up, then the 18-month story
    (``demo/story.py``) written through every stage's services. On top of everything; nothing imports it
    (issue 16 item 3)."""

    name = "demo"
