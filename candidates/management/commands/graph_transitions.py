"""Write the application state machine, drawn from the code, to docs/ (SVG and Mermaid)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from candidates import diagram


class Command(BaseCommand):
    help = "Render the application state machine (walked from the model) as SVG and Mermaid into docs/."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs"), help="output directory")

    def handle(self, *args, out, **options):
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        graph = diagram.application_graph()
        (out_dir / "application_states.svg").write_text(diagram.svg(graph), encoding="utf-8")
        (out_dir / "application_states.mmd").write_text(diagram.mermaid(graph), encoding="utf-8")
        self.stdout.write(f"wrote {out_dir / 'application_states.svg'} and {out_dir / 'application_states.mmd'} "
                          f"({len(graph['states'])} stages, {len(graph['edges'])} moves)")
