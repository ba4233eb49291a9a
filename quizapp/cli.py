"""flask command groups. Each command calls a service and holds no logic of its own."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

class CommandError(click.ClickException):
    """A refusal printed as one Vietnamese line ("Lỗi: …") with exit status 1, never a traceback."""

    def show(self, file=None) -> None:
        """Print 'Lỗi: <message>' to standard error."""
        click.echo(f"Lỗi: {self.format_message()}", err=True, file=file)


def _write_or_echo(text: str, output: str | None) -> None:
    """Write text to the output file, or to standard output when none is named."""
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


demo_cli = AppGroup("demo", help="Dữ liệu mẫu (demo data).")


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Nạp lại kể cả khi cơ sở dữ liệu đã có dữ liệu.")
def demo_load(force: bool) -> None:
    """Build the demo organization and print its logins (first time only unless --force)."""
    from quizapp.services import demo

    result = demo.load(force=force)
    click.echo(result)


banks_cli = AppGroup("banks", help="Ngân hàng câu hỏi: kiểm tra, nhập (YAML, Word, Excel, văn bản, Moodle), xuất, chuyển đổi.")


@banks_cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--document", default="", help="Văn bản nguồn (cho tệp Word, Excel, văn bản, Moodle).")
@click.option("--section", default="", help="Mục, điều của văn bản nguồn.")
def banks_validate(files: tuple[str, ...], document: str, section: str) -> None:
    """Check bank files of any format; print every error as FILE:LINE: message; exit 1 if any."""
    from quizapp.services import banks

    bad = 0
    for path in files:
        result = banks.read_file(path, source=(document, section))
        errors = result.errors
        if result.skipped or result.notes:
            _echo_read(path, result)
        else:
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
@click.option("--document", default="", help="Văn bản nguồn (cho tệp Word, Excel, văn bản, Moodle).")
@click.option("--section", default="", help="Mục, điều của văn bản nguồn.")
@click.option("--dry-run", is_flag=True, help="Chỉ đọc và liệt kê (xem trước), không ghi gì.")
def banks_import(files: tuple[str, ...], org_code: str | None, document: str, section: str, dry_run: bool) -> None:
    """Import bank files of any format all-or-nothing, after listing what was read from each."""
    from quizapp.services import banks
    from quizapp.services.exceptions import DomainError

    source = (document, section)
    parsed = []
    for path in files:
        result = banks.read_file(path, source=source)
        _echo_read(path, result)
        parsed.append(result.bank)
    if any(p is None for p in parsed):
        click.echo("Tệp ngân hàng câu hỏi có lỗi; chưa ghi gì vào hệ thống.", err=True)
        raise SystemExit(1)
    if dry_run:
        click.echo("Chỉ xem trước: chưa ghi gì.")
        return
    try:
        owner = banks.org_by_code(org_code) if org_code else None
        results = banks.import_many(parsed, owner_org=owner)
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
@click.option("--format", "fmt", type=click.Choice(["yaml", "moodle-xml"]), default="yaml",
              help="yaml (mặc định) hoặc moodle-xml.")
def banks_export(slug: str, output: str | None, fmt: str) -> None:
    """Write a bank (active questions, current versions) as native YAML or Moodle XML."""
    from quizapp.services import banks
    from quizapp.services.exceptions import DomainError

    try:
        bank = banks.bank_by_slug(slug)
        text = banks.export_bank(bank) if fmt == "yaml" else banks.export_bank_moodle_xml(bank).decode("utf-8")
    except DomainError as exc:
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None
    _write_or_echo(text, output)


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

    purge_due = 0.0
    while True:
        try:
            closed = close_overdue()
            if closed or not loop_seconds:
                click.echo(f"Đã đóng {closed} bài làm quá hạn.")
            purge_due = _purge_if_due(purge_due, verbose=not loop_seconds)
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


def _purge_if_due(due_at: float, *, verbose: bool) -> float:
    """Purge expired sessions and idle login counters when due; returns when it is due next."""
    import time

    from flask import current_app

    from quizapp.services.maintenance import purge_expired

    if time.monotonic() < due_at:
        return due_at
    cfg = current_app.config
    result = purge_expired(
        session_max_age_seconds=cfg["AUTH_SESSION_MAX_AGE_SECONDS"],
        throttle_idle_seconds=int(cfg["LOGIN_FAILURE_MEMORY_SECONDS"]),
        batch_size=cfg["PURGE_BATCH_SIZE"],
    )
    if verbose or result.auth_sessions or result.login_throttles:
        click.echo(result.summary())
    return time.monotonic() + cfg["PURGE_EVERY_SECONDS"]


# ---------------------------------------------------------------------------- reports
reports_cli = AppGroup("reports", help="Báo cáo kết quả, tổng hợp và xuất danh sách (chạy hàng loạt).")


def _report_target(round_id: int, org_code: str):
    from sqlalchemy import select

    from quizapp.extensions import db
    from quizapp.models import Org, StudyRound

    rnd = db.session.get(StudyRound, round_id)
    org = db.session.scalar(select(Org).where(Org.code == org_code.strip().upper()))
    if rnd is None or org is None:
        raise CommandError("Không tìm thấy đợt học tập hoặc tổ chức đảng với mã đã cho.")
    return rnd, org


@reports_cli.command("cell-sheet")
@click.option("--round", "round_id", type=int, required=True, help="Mã số đợt học tập.")
@click.option("--org", "org_code", required=True, help="Mã chi bộ.")
@click.option("--issue", "do_issue", is_flag=True,
              help="Cấp số và lưu văn bản (mặc định: chỉ xem trước, in chữ DỰ THẢO, không cấp số).")
@click.option("--number", default=None, help="Số văn bản khi --issue (mặc định: số tiếp theo trong nhiệm kỳ).")
@click.option("--date", "issued_on", default=None,
              help="Ngày ban hành khi --issue (YYYY-MM-DD hoặc DD/MM/YYYY; mặc định: hôm nay).")
@click.option("--reason", default="", help="Lý do thay thế, khi đợt này đã có văn bản.")
@click.option("-o", "output", type=click.Path(dir_okay=False, writable=True), required=True)
def reports_cell_sheet(round_id: int, org_code: str, do_issue: bool, number: str | None, issued_on: str | None,
                       reason: str, output: str) -> None:
    """Preview a cell's result sheet (DỰ THẢO), or with --issue issue it; write the PDF to a file."""
    _document_command("cell_sheet", round_id, org_code, do_issue, number, issued_on, reason, output, False)


@reports_cli.command("rollup")
@click.option("--round", "round_id", type=int, required=True, help="Mã số đợt học tập.")
@click.option("--org", "org_code", required=True, help="Mã tổ chức đảng (đảng ủy, đảng bộ...).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf")
@click.option("--state-letterhead", is_flag=True, help="Thể thức văn bản hành chính (Nghị định 30).")
@click.option("--issue", "do_issue", is_flag=True,
              help="Cấp số và lưu văn bản PDF (mặc định: chỉ xem trước, in chữ DỰ THẢO, không cấp số).")
@click.option("--number", default=None, help="Số văn bản khi --issue (mặc định: số tiếp theo trong nhiệm kỳ).")
@click.option("--date", "issued_on", default=None,
              help="Ngày ban hành khi --issue (YYYY-MM-DD hoặc DD/MM/YYYY; mặc định: hôm nay).")
@click.option("--reason", default="", help="Lý do thay thế, khi đợt này đã có văn bản.")
@click.option("-o", "output", type=click.Path(dir_okay=False, writable=True), required=True)
def reports_rollup(round_id: int, org_code: str, fmt: str, state_letterhead: bool, do_issue: bool,
                   number: str | None, issued_on: str | None, reason: str, output: str) -> None:
    """Preview the roll-up of a node (PDF, DỰ THẢO), issue it with --issue, or write the .xlsx working file."""
    if fmt == "xlsx":
        from quizapp.services.reporting.rollup import issue_rollup

        rnd, org = _report_target(round_id, org_code)
        _, data = issue_rollup(rnd, org, None, fmt="xlsx")
        with open(output, "wb") as fh:
            fh.write(data)
        click.echo(f"Đã ghi {output}.")
        return
    _document_command("rollup", round_id, org_code, do_issue, number, issued_on, reason, output, state_letterhead)


def _parse_number(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise CommandError(f"Số văn bản phải là số nguyên từ 1 đến 9999, không phải “{text}”.") from None


def _parse_date(text: str | None):
    from datetime import datetime

    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Ngày ban hành “{text}” không hợp lệ; dùng YYYY-MM-DD hoặc DD/MM/YYYY.")


def _document_command(kind: str, round_id: int, org_code: str, do_issue: bool, number: str | None,
                      issued_on: str | None, reason: str, output: str, state: bool) -> None:
    """Preview or issue through reporting.documents; a refusal is one Vietnamese line, not a traceback."""
    from quizapp.extensions import db
    from quizapp.services.exceptions import DomainError
    from quizapp.services.reporting import documents

    number_value, date_value = _parse_number(number), _parse_date(issued_on)
    rnd, org = _report_target(round_id, org_code)
    try:
        documents.check_kind(org, kind)
        if do_issue:
            report = documents.issue(rnd, org, kind, None, number=number_value, state=state, reason=reason,
                                     issued_on=date_value)
            data = report.pdf
        else:
            if number is not None or issued_on is not None or reason:
                raise CommandError("--number, --date và --reason chỉ dùng cùng --issue (cấp số văn bản).")
            data = documents.preview(rnd, org, kind, state=state)
    except DomainError as exc:
        db.session.rollback()
        raise CommandError(exc.message) from None
    with open(output, "wb") as fh:
        fh.write(data)
    if do_issue:
        note = " (TẠM THỜI)" if report.provisional else ""
        click.echo(f"Đã cấp và ghi {output}: số {report.number_label}{note}, mã xác thực {report.verify_code}, "
                   f"SHA-256 {report.sha256}.")
    else:
        ready = documents.readiness(rnd, org)
        click.echo(f"Đã ghi bản xem trước (DỰ THẢO, chưa cấp số) vào {output}. Dùng --issue để cấp số.")
        for line in ready.blocking + ready.provisional:
            click.echo(f"Lưu ý: {line}")


@reports_cli.command("export")
@click.option("--round", "round_id", type=int, required=True, help="Mã số đợt học tập.")
@click.option("--org", "org_code", required=True, help="Mã tổ chức đảng.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx")
@click.option("--sep", type=click.Choice(["semicolon", "comma"]), default="semicolon",
              help="Dấu phân cách của tệp CSV: chấm phẩy (Excel tiếng Việt, mặc định) hoặc phẩy.")
@click.option("-o", "output", type=click.Path(dir_okay=False, writable=True), required=True)
def reports_export(round_id: int, org_code: str, fmt: str, sep: str, output: str) -> None:
    """Write per-member results of a node's subtree as .xlsx or .csv."""
    from quizapp.services.reporting import excel

    rnd, org = _report_target(round_id, org_code)
    data = (excel.members_xlsx(rnd, org) if fmt == "xlsx"
            else excel.members_csv(rnd, org, excel.CSV_SEPARATORS[sep]))
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(f"Đã ghi {output}.")


def _echo_read(path: str, result) -> None:
    """Print what was read from one file: the format, errors, skipped questions and notes (stderr)."""
    from quizapp.services.bank_formats.registry import LABELS

    if result.format:
        count = len(result.bank.questions) if result.bank is not None else 0
        click.echo(f"{path}: định dạng {LABELS.get(result.format, result.format)}, đọc được {count} câu hỏi, "
                   f"bỏ qua {len(result.skipped)}, ghi chú {len(result.notes)}.", err=True)
    for e in [*result.errors, *result.skipped, *result.notes]:
        click.echo(f"{path}:{e.line or 0}: {e}", err=True)


@banks_cli.command("convert")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--document", default="", help="Văn bản nguồn của các câu hỏi (Word, Excel, Moodle không ghi nguồn).")
@click.option("--section", default="", help="Mục, điều của văn bản nguồn.")
@click.option("--title", default="", help="Tên ngân hàng (mặc định: tên tệp).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Ghi ra tệp YAML thay vì màn hình.")
def banks_convert(file: str, document: str, section: str, title: str, output: str | None) -> None:
    """Convert any supported file (Word, Excel, text, GIFT, Aiken, Moodle XML) to native YAML for review."""
    from quizapp.services import banks

    text, result = banks.convert_file(file, source=(document, section), title=title)
    _echo_read(file, result)
    if text is None:
        raise SystemExit(1)
    _write_or_echo(text, output)


@banks_cli.command("template")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
def banks_template(output: str) -> None:
    """Write the Excel question template (.xlsx)."""
    from quizapp.services.bank_formats.spreadsheet import template_workbook

    with open(output, "wb") as fh:
        fh.write(template_workbook())


@banks_cli.command("quality")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def banks_quality(files: tuple[str, ...]) -> None:
    """Quality help for bank files (any format): print FILE: KEY: warning; never fails on warnings."""
    from quizapp.services import bank_quality, banks

    for path in files:
        result = banks.read_file(path)
        if result.bank is None:
            for e in result.errors:
                click.echo(f"{path}:{e.line or 0}: {e}", err=True)
            continue
        items = [{"key": q.key, "type": q.type, "text": q.text, "spec": q.spec} for q in result.bank.questions]
        report = bank_quality.bank_report(items)
        for key, warnings in report.items():
            for w in warnings:
                click.echo(f"{path}: {key}: [{w.rule}] {w.message}")
        click.echo(f"{path}: {len(report)}/{len(items)} câu có gợi ý")


fonts_cli = AppGroup("fonts", help="Phông chữ cho PDF (fonts for PDFs).")


@fonts_cli.command("build")
def fonts_build() -> None:
    """Cut the static serif instances used by result sheets (once; later calls are instant)."""
    from quizapp.services import pdf_fonts

    for path in pdf_fonts.serif_files().values():
        click.echo(f"{path}")


backup_cli = AppGroup("backup", help="Sao lưu và khôi phục cơ sở dữ liệu (chạy được khi máy chủ đang phục vụ).")


def _print_counts(database_url: str) -> None:
    from quizapp.services import backup

    counts = backup.table_counts(database_url)
    click.echo("Số dòng: " + ", ".join(f"{name} {n}" for name, n in counts.items() if n))


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def backup_create(path: str | None) -> None:
    """Write a backup to PATH (default: BACKUP_DIR/quizapp-<time>.sqlite3 or .dump)."""
    from flask import current_app

    from quizapp.clock import utcnow
    from quizapp.services import backup
    from quizapp.services.exceptions import DomainError

    cfg = current_app.config
    url = cfg["SQLALCHEMY_DATABASE_URI"]
    try:
        target = path or backup.default_path(cfg["BACKUP_DIR"], url, utcnow())
        info = backup.create(url, target, pg_bin_dir=cfg["PG_BIN_DIR"])
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    from quizapp.vn import format_number

    click.echo(f"Đã sao lưu vào {info.path} ({format_number(info.size)} byte).")
    _print_counts(url)


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Xác nhận: toàn bộ dữ liệu hiện tại bị thay bằng dữ liệu trong bản sao lưu.")
def backup_restore(path: str, yes: bool) -> None:
    """Replace the database's content with the backup in PATH (refused without --yes)."""
    from flask import current_app

    from quizapp.services import backup
    from quizapp.services.exceptions import DomainError

    cfg = current_app.config
    url = cfg["SQLALCHEMY_DATABASE_URI"]
    try:
        backup.check(url, path, pg_bin_dir=cfg["PG_BIN_DIR"])
        if not yes:
            raise click.ClickException(
                "Khôi phục sẽ thay toàn bộ dữ liệu hiện tại bằng dữ liệu trong bản sao lưu. "
                "Chạy lại với --yes để xác nhận (nên sao lưu dữ liệu hiện tại trước).")
        backup.restore(url, path, pg_bin_dir=cfg["PG_BIN_DIR"])
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    from quizapp.extensions import db

    db.engine.dispose()  # pooled connections of this process must not keep pre-restore state
    click.echo(f"Đã khôi phục từ {path}. Chạy `flask db upgrade` nếu bản sao lưu cũ hơn mã nguồn.")
    _print_counts(url)


def register_cli(app: Flask) -> None:
    """Attach every command group."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(fonts_cli)
    app.cli.add_command(banks_cli)
    app.cli.add_command(roster_cli)
    app.cli.add_command(quiz_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(backup_cli)
