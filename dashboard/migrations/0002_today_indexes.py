"""Partial indexes for the to-do list (Today, R-DASH-1), which stays live: each section reads its first items in
index order and counts at most ``TODAY_COUNT_CAP + 1`` rows, so none of them reads a whole big table (1,000,000
notifications, 100,000 applications).

They live here, with the page that needs them, as plain SQL (valid on PostgreSQL and SQLite): the tables belong to
other apps, whose models do not declare them, so Django's migration state is unchanged."""

from django.db import migrations

OPEN_STATES = "('new', 'screening', 'ai_invited', 'ai_completed', 'ai_no_show', 'ai_review', 'interviewing', 'offer')"

INDEXES = [
    # failed notifications, newest failure first
    ("dash_todo_failed_notif", "notifications_notification", "(failed_at DESC, id DESC)", "status = 'failed'"),
    # no-shows whose follow-up is not done, newest first
    ("dash_todo_noshow_open", "interviews_interview", "(no_show_at DESC, id DESC)",
     "state = 'no_show' AND follow_up_done_at IS NULL"),
    # open applications by how long they have stood in their stage (the stuck ones are the oldest)
    ("dash_todo_app_stage_since", "candidates_application", "(state_changed_at, id)", f"state IN {OPEN_STATES}"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0001_initial"),
        ("notifications", "0001_initial"),
        ("interviews", "0001_initial"),
        ("candidates", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns} WHERE {where}",
                          f"DROP INDEX IF EXISTS {name}")
        for name, table, columns, where in INDEXES
    ]
