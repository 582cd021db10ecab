"""Import a candidate list (Excel / CSV) into one job, with a progress bar (R-PIPE-5).

    manage.py import_candidates list.xlsx --job 3            # preview: every bad row listed
    manage.py import_candidates list.xlsx --job 3 --commit   # import (all or nothing)
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from candidates import importer


class Command(BaseCommand):
    help = "Validate and (with --commit) import candidates from an .xlsx or .csv file into a job."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--job", type=int, required=True)
        parser.add_argument("--commit", action="store_true", help="write (default: preview only)")
        parser.add_argument("--partial", action="store_true", help="import the good rows even if others are bad")
        parser.add_argument("--actor", default="import_candidates", help="label recorded in the audit log")

    def handle(self, *args, path, job, commit, partial, actor, **options):
        data = Path(path).read_bytes()
        header, rows = importer.read_table(data, path)
        with tqdm(total=len(rows), unit="row", disable=options.get("verbosity", 1) == 0) as bar:
            try:
                result = importer.candidates_import(actor=actor, data=data, filename=Path(path).name, job_id=job,
                                                    commit=commit, partial=partial, progress=bar.update)
            except ValidationError as exc:
                raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
        for e in result.errors:
            self.stdout.write(f"row {e['row']:>5}  {e['column']:<16} {e['reason']}")
        self.stdout.write(f"{result.rows} rows, {result.valid} good, {len(result.errors)} problems; "
                          + (f"{result.created} imported" if result.committed else "nothing imported"))
        if result.errors and not (commit and partial):
            raise CommandError("the file has bad rows (listed above)")
