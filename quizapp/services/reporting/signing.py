"""Digital signatures (PAdES) on issued documents, for organizations that hold a certificate.

Which organization signs with which PKCS#12 file is configuration (REPORT_SIGNING_CERTS: org
code -> file path); the file's password comes from the environment variable named by
REPORT_SIGNING_PASSWORD_ENV (or by `path|VARIABLE` in the mapping, per organization). Without
a certificate a document is issued unsigned, exactly as before.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass

from quizapp.services.exceptions import InvalidInput


@dataclass(frozen=True)
class SigningKey:
    """Where an organization's certificate is and how to open it."""

    path: str
    password: str | None


def _config() -> tuple[dict, str]:
    try:
        from flask import current_app

        return (dict(current_app.config["REPORT_SIGNING_CERTS"] or {}),
                current_app.config["REPORT_SIGNING_PASSWORD_ENV"])
    except RuntimeError:  # no application: nothing is signed
        from quizapp.config import Config

        return {}, Config.REPORT_SIGNING_PASSWORD_ENV


def key_for(org_code: str, certs: dict | None = None, password_env: str | None = None) -> SigningKey | None:
    """The configured certificate of the organization with this code, or None."""
    conf_certs, conf_env = _config()
    certs = conf_certs if certs is None else certs
    entry = certs.get((org_code or "").upper()) or certs.get(org_code or "")
    if not entry:
        return None
    path, _, env_name = str(entry).partition("|")
    password = os.environ.get(env_name.strip() or password_env or conf_env)
    return SigningKey(path=path.strip(), password=password)


def sign_pdf(pdf: bytes, key: SigningKey, *, reason: str, location: str = "", name: str = "") -> bytes:
    """The PDF with a PAdES signature over every byte (an incremental update); InvalidInput if it cannot."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    try:
        signer = signers.SimpleSigner.load_pkcs12(
            pfx_file=key.path, passphrase=key.password.encode("utf-8") if key.password else None)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"Không mở được chứng thư số của tổ chức ({exc.__class__.__name__}); "
                           "văn bản chưa được cấp. Liên hệ quản trị hệ thống.") from None
    if signer is None:
        raise InvalidInput("Không mở được chứng thư số của tổ chức (sai mật khẩu hoặc tệp hỏng); "
                           "văn bản chưa được cấp. Liên hệ quản trị hệ thống.")
    meta = signers.PdfSignatureMetadata(field_name="ChuKySo", reason=reason, location=location or None,
                                        name=name or None, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256")

    def run() -> bytes:
        return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer).getvalue()

    return _outside_event_loop(run)


def _outside_event_loop(fn):
    """Call fn here, or in a helper thread when this thread already runs an asyncio loop.

    pyHanko's synchronous API starts its own event loop (asyncio.run), which fails inside a
    thread that runs one (an async server, a browser driver in tests).
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()
