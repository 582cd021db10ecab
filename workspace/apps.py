from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """Staff pages that join several stages (the pipeline board, the application page): on top of the stages,
    so each stage stays free of imports from the ones after it (issue 16 item 3)."""

    name = "workspace"
