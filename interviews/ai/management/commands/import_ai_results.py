"""Import AI interview results from a vendor's Excel/CSV export (R-AI-3).

    manage.py import_ai_results --vendor vervoe results.xlsx            # preview: validate, report errors
    manage.py import_ai_results --vendor vervoe results.xlsx --commit   # store all rows (all or nothing)
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from interviews.ai.importer import ai_results_import
from interviews.ai.models import Vendor


class Command(BaseCommand):
    help = "Import AI interview results from a vendor's Excel/CSV export (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--vendor", required=True)
        parser.add_argument("--commit", action="store_true", help="store the rows (default: preview only)")
        parser.add_argument("--actor", default="import_ai_results", help="label in the audit log")

    def handle(self, *args, path, vendor, commit, actor, **options):
        vendor_obj = Vendor.objects.filter(slug=vendor).first()
        if vendor_obj is None:
            raise CommandError(_("Unknown vendor %(slug)s.") % {"slug": vendor})
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        bar = tqdm(total=0, unit="row", disable=options.get("verbosity", 1) == 0, file=self.stderr)

        def progress(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        report = ai_results_import(actor=actor, vendor=vendor_obj, data=file.read_bytes(), filename=file.name,
                                   commit=commit, progress=progress)
        bar.close()
        for error in report.errors:
            self.stdout.write(f"row {error['row']}, {error['column']}: {error['reason']}")
        if report.ignored_columns:
            self.stdout.write(_("Ignored columns: %(cols)s") % {"cols": ", ".join(report.ignored_columns)})
        self.stdout.write(_("%(rows)d rows, %(valid)d valid, %(errors)d errors; stored %(created)d, "
                            "already known %(dupes)d.") % {
            "rows": report.rows, "valid": report.valid, "errors": len(report.errors), "created": report.created,
            "dupes": report.duplicates})
        if report.errors:
            raise CommandError(_("Nothing was imported: fix the rows above."))
