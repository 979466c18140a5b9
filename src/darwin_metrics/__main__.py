"""``python -m darwin_metrics`` runs the command-line tool."""

from darwin_metrics.cli.main import run

run()
