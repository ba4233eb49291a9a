"""flask command groups. Each command calls a service and holds no logic of its own."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Dữ liệu mẫu (demo data).")


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Nạp lại kể cả khi cơ sở dữ liệu đã có dữ liệu.")
def demo_load(force: bool) -> None:
    """Build the demo organization and print its logins (first time only unless --force)."""
    from quizapp.services import demo

    result = demo.load(force=force)
    click.echo(result)


def register_cli(app: Flask) -> None:
    """Attach every command group."""
    app.cli.add_command(demo_cli)
