"""The database a benchmark runs in: a fresh SQLite file, or a PostgreSQL database created when missing."""

from pathlib import Path


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from urllib.parse import urlsplit

    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def sign_in(client, user) -> None:
    """``client`` signed in as ``user`` the way a person is: the password (``force_login``) and, for staff who sign
    in with two factors (R-SEC-9), the code -- the session marked as verified with their authenticator (one made
    for the run where they have none), so a page measures the page, not the redirect to the code form."""
    from django_otp import DEVICE_ID_SESSION_KEY  # noqa: PLC0415 - Django is set up by the calling script
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415 - as above

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="benchmark", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
