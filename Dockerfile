FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# postgresql-client: pg_dump / pg_restore for `manage.py backup` and `restore` (R-SEC-4).
# fonts-noto-cjk: python:3.11-slim has no CJK font, so LibreOffice would print Chinese offer letters and
# evidence reports without their glyphs (tests/onboarding/test_letter_pdf_cjk.py checks the text comes back)
RUN apt-get update && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk curl \
    postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install . && python -m hrsys.i18n_compile \
    && SECRET_KEY=build HRSYS_DATA_KEYS=k0:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
       HRSYS_BLIND_INDEX_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= HRSYS_VAR_DIR=/tmp/build-var \
       python manage.py collectstatic --noinput -v 0
RUN useradd --create-home hrsys && mkdir -p /data/media /data/var /backups && chown -R hrsys /data /backups
USER hrsys
EXPOSE 8000
CMD ["gunicorn", "hrsys.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
