"""``python -m tradewind`` runs the CLI."""

from tradewind.cli import main

main()
