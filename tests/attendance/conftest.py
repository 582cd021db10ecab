import pytest


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Outbox deliveries and provisioning pushes are enqueued after commit; tests collect them instead."""
    from attendance import tasks
    from notifications import tasks as notification_tasks

    pushed = []
    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)
    monkeypatch.setattr(tasks, "enqueue_push", pushed.append)
    return pushed


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.OFFER_LETTER_PDF = False


@pytest.fixture(autouse=True)
def _no_pull_broker(monkeypatch):
    """ZKTeco clock pulls are enqueued after commit; tests collect the device ids instead."""
    from attendance import tasks

    pulls = []
    monkeypatch.setattr(tasks, "enqueue_zkteco_pull", pulls.append)
    return pulls
