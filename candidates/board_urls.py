"""The pipeline boards (issue 14, item 3; R-UI-3), mounted under /workspace/."""

from django.urls import path

from . import board

app_name = "board"

urlpatterns = [
    path("jobs/", board.job_list, name="jobs"),
    path("jobs/<int:pk>/board/", board.board, name="board"),
    path("board/move/<int:pk>/", board.move, name="move"),
]
