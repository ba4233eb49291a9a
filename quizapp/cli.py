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


banks_cli = AppGroup("banks", help="Ngân hàng câu hỏi: kiểm tra, nhập, xuất tệp YAML.")


@banks_cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def banks_validate(files: tuple[str, ...]) -> None:
    """Check bank files; print every error as FILE:LINE: message; exit 1 if any."""
    from quizapp.services import banks

    bad = 0
    for path in files:
        errors = banks.validate_file(path)
        for e in errors:
            click.echo(f"{path}:{e.line or 0}: {e}", err=True)
        bad += len(errors)
        if not errors:
            click.echo(f"{path}: hợp lệ")
    if bad:
        raise SystemExit(1)


@banks_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--org", "org_code", default=None, help="Mã tổ chức đảng sở hữu (bỏ trống: dùng chung toàn hệ thống).")
def banks_import(files: tuple[str, ...], org_code: str | None) -> None:
    """Import bank files all-or-nothing: if any file is bad, nothing is written."""
    from quizapp.services import banks
    from quizapp.services.exceptions import DomainError

    try:
        owner = banks.org_by_code(org_code) if org_code else None
        results = banks.import_many(list(files), owner_org=owner)
    except DomainError as exc:
        for d in exc.details or []:
            click.echo(f"{d['file']}:{d['line'] or 0}: {d['message']}" if isinstance(d, dict) else d, err=True)
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None
    for r in results:
        click.echo(r.summary())


@banks_cli.command("export")
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Ghi ra tệp thay vì màn hình.")
def banks_export(slug: str, output: str | None) -> None:
    """Write a bank (active questions, current versions) as native YAML."""
    from quizapp.services import banks
    from quizapp.services.exceptions import DomainError

    try:
        text = banks.export_bank(banks.bank_by_slug(slug))
    except DomainError as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


roster_cli = AppGroup("roster", help="Danh sách đảng viên: nhập từ tệp .xlsx/.csv, tệp mẫu.")


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "org_code", required=True, help="Mã tổ chức: phạm vi nhập, và chi bộ mặc định nếu là chi bộ.")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi gì.")
def roster_import(file: str, org_code: str, dry_run: bool) -> None:
    """Import a roster file into the org's subtree; every bad row is printed; exit 1 if any."""
    from quizapp.services import roster
    from quizapp.services.exceptions import DomainError

    try:
        result = roster.import_file(file, org_code, dry_run=dry_run)
    except DomainError as exc:
        for d in exc.details or []:
            click.echo(f"Dòng {d['row']}: {d['message']}" if isinstance(d, dict) else d, err=True)
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None
    click.echo(roster.summary(result))


@roster_cli.command("template")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
def roster_template(output: str) -> None:
    """Write the roster template workbook (.xlsx)."""
    from quizapp.services.roster_files import template_workbook

    with open(output, "wb") as fh:
        fh.write(template_workbook())


quiz_cli = AppGroup("quiz", help="Bài kiểm tra: đóng các bài làm đã quá hạn.")


@quiz_cli.command("sweep")
@click.option("--loop", "loop_seconds", type=click.IntRange(min=1), default=None,
              help="Chạy lặp lại mỗi N giây (dùng khi chạy nền cùng máy chủ).")
def quiz_sweep(loop_seconds: int | None) -> None:
    """Finish attempts past deadline + grace (at their deadline time); once, or every N seconds."""
    import time

    from quizapp.extensions import db
    from quizapp.services.delivery import close_overdue

    while True:
        try:
            closed = close_overdue()
            if closed or not loop_seconds:
                click.echo(f"Đã đóng {closed} bài làm quá hạn.")
        except Exception as exc:  # noqa: BLE001 - a loop must survive a locked database or a restart
            db.session.rollback()
            click.echo(f"Lỗi khi đóng bài quá hạn: {exc}", err=True)
            if not loop_seconds:
                raise SystemExit(1) from None
        finally:
            db.session.remove()
        if not loop_seconds:
            return
        time.sleep(loop_seconds)


def register_cli(app: Flask) -> None:
    """Attach every command group."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(banks_cli)
    app.cli.add_command(roster_cli)
    app.cli.add_command(quiz_cli)
