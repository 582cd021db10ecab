"""The staff workspace under /workspace/: the pipeline boards (issue 14 item 3; R-UI-3) and the application page
(issue 14 item 2; R-UI-2). The namespace stays ``board`` (``board:jobs``, ``board:application`` ...): templates,
links and tests name the routes by it."""

from django.urls import path

from . import application_page, board

app_name = "board"

urlpatterns = [
    path("jobs/", board.job_list, name="jobs"),
    path("jobs/<int:pk>/board/", board.board, name="board"),
    path("board/move/<int:pk>/", board.move, name="move"),
    # the application page (R-UI-2); its moves post to board.move with "back" pointing here
    path("applications/<int:pk>/", application_page.application_page, name="application"),
    path("applications/<int:pk>/reveal/", application_page.application_reveal, name="application-reveal"),
]
