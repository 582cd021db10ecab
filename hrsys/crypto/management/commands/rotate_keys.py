"""Re-encrypt every encrypted column and file with the current data key (R-SEC-2).

Procedure: put the new key first in HRSYS_DATA_KEYS, keep the old ones after it,
run this command, then remove the old keys. Safe to interrupt and re-run: rows
already under the current key are skipped. Each batch is one transaction.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import FileField
from tqdm import tqdm

from hrsys.crypto import keys
from hrsys.crypto.fields import encrypted_fields
from hrsys.crypto.storage import EncryptedStorageMixin


class Command(BaseCommand):
    help = "Re-encrypt personal data and stored files with the current key (first in HRSYS_DATA_KEYS)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, batch_size, no_progress, **options):
        current = keys.current_key_id()
        rows_changed = files_changed = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if fields:
                rows_changed += self._rotate_rows(model, fields, current, batch_size, no_progress)
            file_fields = [
                f for f in model._meta.concrete_fields
                if isinstance(f, FileField) and isinstance(f.storage, EncryptedStorageMixin)
            ]
            if file_fields:
                files_changed += self._rotate_files(model, file_fields, no_progress)
        self.stdout.write(self.style.SUCCESS(
            f"rotate_keys: current key {current}; re-encrypted {rows_changed} rows and {files_changed} files"
        ))

    def _rotate_rows(self, model, fields, current, batch_size, no_progress) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        pk_col = connection.ops.quote_name(model._meta.pk.column)
        cols = [connection.ops.quote_name(f.column) for f in fields]
        total = model._base_manager.count()
        changed = 0
        last_pk = None
        with tqdm(total=total, desc=model._meta.label, unit="row", disable=no_progress or not total) as bar:
            while True:
                with transaction.atomic():
                    pks = model._base_manager.order_by("pk")
                    if last_pk is not None:
                        pks = pks.filter(pk__gt=last_pk)
                    pks = list(pks.select_for_update().values_list("pk", flat=True)[:batch_size])
                    if not pks:
                        break
                    with connection.cursor() as cur:
                        placeholders = ",".join(["%s"] * len(pks))
                        cur.execute(
                            f"SELECT {pk_col}, {', '.join(cols)} FROM {table} WHERE {pk_col} IN ({placeholders})",
                            pks,
                        )
                        for pk, *tokens in cur.fetchall():
                            updates = {}
                            for field, col, token in zip(fields, cols, tokens, strict=True):
                                if token and keys.key_id_of(token) != current:
                                    plain = keys.decrypt_text(token, aad=field.aad())
                                    updates[col] = keys.encrypt_text(plain, aad=field.aad())
                            if updates:
                                assignments = ", ".join(f"{c} = %s" for c in updates)
                                cur.execute(
                                    f"UPDATE {table} SET {assignments} WHERE {pk_col} = %s",
                                    [*updates.values(), pk],
                                )
                                changed += 1
                    last_pk = pks[-1]
                    bar.update(len(pks))
        return changed

    def _rotate_files(self, model, file_fields, no_progress) -> int:
        changed = 0
        qs = model._base_manager.only("pk", *[f.name for f in file_fields])
        for obj in tqdm(qs.iterator(), desc=f"{model._meta.label} files", disable=no_progress):
            for f in file_fields:
                name = getattr(obj, f.attname).name  # the FieldFile's stored name
                if name and f.storage.exists(name) and f.storage.reencrypt(name):
                    changed += 1
        return changed
