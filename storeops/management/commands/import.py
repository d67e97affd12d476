"""`manage.py import <kind> <path> [--dry-run]`: run an import from the command line.

The job is recorded like one started in the browser (source "command line"),
runs in this process, and prints progress, the counts and every problem.
Exit status: 0 imported (or checked), 1 rejected or failed, 2 bad arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from storeops.imports import jobs, registry
from storeops.models import ImportSource, ImportStatus


def _kinds_help() -> str:
    try:
        kinds = registry.kinds()
    except Exception:  # the registry needs the apps; help must still print
        return ""
    return "Kinds: " + "; ".join(f"{key} ({kind.label})" for key, kind in kinds.items()) + "."


class Command(BaseCommand):
    help = "Import a CSV or XLSX file. " + "(Run with --help to list the kinds.)"

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = "Import a CSV or XLSX file of one kind. " + _kinds_help()
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("kind", help="what the file holds: " + ", ".join(registry.kinds()))
        parser.add_argument("path", type=Path, help="the CSV or XLSX file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and write nothing"
        )
        parser.add_argument(
            "--user",
            help="username recorded as the importer (default: the storeops-system account)",
        )

    def handle(self, *args, kind: str, path: Path, dry_run: bool, user: str | None, **options):
        if kind not in registry.kinds():
            raise CommandError(
                f"Unknown import kind {kind!r}. Kinds: {', '.join(registry.kinds())}", returncode=2
            )
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        if user:
            try:
                importer = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user called {user!r}", returncode=2) from None
        else:
            importer = jobs.system_user()
        # The command line acts with the server's authority: no capability check
        # beyond naming the user, as with every other management command.
        with path.open("rb") as stream:
            job = jobs.create_job_unchecked(
                kind,
                stream,
                file_name=path.name,
                user=importer,
                dry_run=dry_run,
                source=ImportSource.CLI,
            )
        last = [-1]

        def show(phase: str, percent: int) -> None:
            if percent != last[0] and sys.stderr.isatty():
                self.stderr.write(f"\r{phase} {percent}%", ending="")
                last[0] = percent

        jobs.execute(job.pk, on_progress=show)
        job.refresh_from_db()
        if last[0] >= 0 and sys.stderr.isatty():
            self.stderr.write("")
        self._report(job)
        if job.status not in (ImportStatus.SUCCEEDED, ImportStatus.CHECKED):
            sys.exit(1)

    def _report(self, job) -> None:
        self.stdout.write(
            f"Import #{job.pk} ({job.kind}, {job.file_name}): {job.get_status_display()}"
        )
        if job.message:
            self.stdout.write(job.message)
        would = "would be " if job.dry_run else ""
        self.stdout.write(
            f"rows {job.rows_total}: {job.rows_created} {would}created, "
            f"{job.rows_updated} {would}updated, {job.rows_unchanged} unchanged, "
            f"{job.error_count} errors"
        )
        for problem in job.errors:
            where = f"row {problem['row']}" if problem["row"] else "file"
            column = f", {problem['column']}" if problem["column"] else ""
            self.stdout.write(f"  {where}{column}: {problem['message']}")
        if job.error_count > len(job.errors):
            self.stdout.write(f"  ... and {job.error_count - len(job.errors)} more")
