"""docker-compose.yml, Procfile and .env.example agree with each other and with settings.

No Docker engine runs here, so the compose file is validated structurally.
"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _procfile():
    return dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if ":" in line)


def test_compose_has_the_production_services_with_health_checks_and_volumes():
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "minio", "createbucket", "migrate", "web", "worker", "beat",
                             "backup"}
    for name in ("postgres", "redis", "minio", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    declared = set(compose["volumes"])
    used = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    assert used <= declared and {"pgdata", "redisdata", "media", "miniodata", "backups"} <= declared


def test_compose_web_and_worker_share_the_stored_files_through_minio():  # R-INT-5
    """Processes on different machines: the stored files are in MinIO's bucket, not on a disk they share."""
    services = _compose()["services"]
    assert services["createbucket"]["depends_on"]["minio"]["condition"] == "service_healthy"
    script = " ".join(services["createbucket"]["command"])
    assert "mc mb --ignore-existing" in script and "mc anonymous set none" in script  # private bucket
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["FILE_STORAGE"].startswith("${FILE_STORAGE:-s3}"), name
        assert env["S3_ENDPOINT_URL"] == "${S3_ENDPOINT_URL:-http://minio:9000}", name
        assert {"S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"} <= set(env), name
        assert services[name]["depends_on"]["createbucket"]["condition"] == "service_completed_successfully"
    minio_env = services["minio"]["environment"]
    assert minio_env["MINIO_ROOT_USER"] == services["web"]["environment"]["S3_ACCESS_KEY_ID"]
    assert minio_env["MINIO_ROOT_PASSWORD"] == services["web"]["environment"]["S3_SECRET_ACCESS_KEY"]


def test_compose_processes_match_the_procfile():
    compose, procfile = _compose()["services"], _procfile()
    assert set(procfile) == {"web", "worker", "beat"}
    for name in procfile:
        local = procfile[name].split()
        prod = compose[name]["command"]
        assert prod[0] == local[0], name  # gunicorn / celery
        assert local[1:4] == prod[1:4] or name == "web", name  # -A hrsys worker|beat
    assert "hrsys.wsgi:application" in procfile["web"] and "hrsys.wsgi:application" in compose["web"]["command"]


def test_env_example_lists_every_variable_settings_read():
    settings_src = (ROOT / "hrsys" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\("([A-Z_]+)"', settings_src))
    read |= set(re.findall(r'_required\("([A-Z_]+)"\)', settings_src))
    read |= set(re.findall(r'env\.email_url\("([A-Z_]+)"\)', settings_src))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    missing = read - documented - {"HRSYS_TEST_DB_SUFFIX", "EMAIL_BACKEND"}
    assert not missing, f"document these in .env.example: {sorted(missing)}"
    readme = (ROOT / "README.md").read_text()
    undocumented = {name for name in read if name not in readme}
    assert not undocumented, f"document these in README: {sorted(undocumented)}"


def test_compose_backs_up_daily_into_the_backups_volume():  # R-SEC-4
    """The scheduled backup: `manage.py backup` in a loop, once a day by default, into its own volume, after
    migrate; the image carries pg_dump; the bucket keeps old versions of the files."""
    compose = _compose()
    backup = compose["services"]["backup"]
    script = " ".join(backup["command"])
    assert "manage.py backup --dest /backups --keep" in script and "BACKUP_INTERVAL_SECONDS:-86400" in script
    assert "backups:/backups" in backup["volumes"]
    assert backup["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert backup["environment"]["DATABASE_URL"] == compose["services"]["web"]["environment"]["DATABASE_URL"]
    assert "postgresql-client" in (ROOT / "Dockerfile").read_text()
    assert "mc version enable" in " ".join(compose["services"]["createbucket"]["command"])
