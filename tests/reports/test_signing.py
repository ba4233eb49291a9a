"""Digital signature (PAdES) of issued documents for an organization that has a certificate."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from quizapp.extensions import db
from quizapp.models import IssuedReport
from quizapp.services.exceptions import InvalidInput
from quizapp.services.reporting import documents
from quizapp.services.reporting.signing import _outside_event_loop
from tests.factories import make_questions, make_report_attempt, make_report_round

PASSWORD = "mat-khau-chung-thu"


def _self_signed(tmp_path):
    """A throwaway self-signed signing certificate as a PKCS#12 file; returns (path, asn1crypto cert)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Chi bộ Sở Thông tin và Truyền thông"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Trần Văn Bình")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .sign(key, hashes.SHA256()))
    path = tmp_path / "cb-a.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"cb-a", key, cert, None, serialization.BestAvailableEncryption(PASSWORD.encode())))
    from asn1crypto import x509 as asn1_x509

    return path, asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture
def rnd(world):
    """A closed round in which cell A's secretary took part."""
    r = make_report_round([world.committee], world.committee)
    make_report_attempt(r, world.secretary_a, 9.0, versions=make_questions(1), picks=["a"])
    db.session.commit()
    return r


def test_signed_sheet_validates_with_pyhanko(world, rnd, app, tmp_path, monkeypatch, login_as, client):
    """With a certificate configured for CB-A, is the issued PDF signed, intact and valid for that trust root,
    and are the stored bytes and SHA-256 those of the signed file?"""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    path, root = _self_signed(tmp_path)
    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERTS", {"CB-A": str(path)})
    monkeypatch.setitem(app.config, "REPORT_SIGNING_PASSWORD_ENV", "TEST_SIGNING_PASSWORD")
    monkeypatch.setenv("TEST_SIGNING_PASSWORD", PASSWORD)

    report = documents.issue(rnd, world.cell_a, "cell_sheet", world.secretary_a)
    assert report.signed is True
    login_as(world.secretary_a)
    data = client.get(f"/reports/documents/{report.id}/file").data
    assert data == report.pdf and hashlib.sha256(data).hexdigest() == report.sha256

    sigs = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(sigs) == 1
    # pyHanko's synchronous validation starts an event loop: run it off any loop this thread runs.
    status = _outside_event_loop(lambda: validate_pdf_signature(sigs[0], ValidationContext(trust_roots=[root])))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"

    # Against another trust root the same signature is intact but not trusted.
    (tmp_path / "other").mkdir()
    _, stranger = _self_signed(tmp_path / "other")
    other = _outside_event_loop(lambda: validate_pdf_signature(
        PdfFileReader(io.BytesIO(data)).embedded_signatures[0], ValidationContext(trust_roots=[stranger])))
    assert other.intact and not other.trusted

    # Cell B has no certificate: its sheet is issued unsigned, exactly as before.
    unsigned = documents.issue(rnd, world.cell_b, "cell_sheet", world.secretary_b)
    assert unsigned.signed is False and not PdfFileReader(io.BytesIO(unsigned.pdf)).embedded_signatures


def test_wrong_password_refuses_with_message_and_writes_nothing(world, rnd, app, tmp_path, monkeypatch):
    """A certificate that cannot be opened: is issuing refused in Vietnamese, with no number taken?"""
    path, _ = _self_signed(tmp_path)
    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERTS", {"CB-A": str(path)})
    monkeypatch.setitem(app.config, "REPORT_SIGNING_PASSWORD_ENV", "TEST_SIGNING_PASSWORD")
    monkeypatch.setenv("TEST_SIGNING_PASSWORD", "sai-mat-khau")
    with pytest.raises(InvalidInput, match="chứng thư số"):
        documents.issue(rnd, world.cell_a, "cell_sheet", world.secretary_a)
    assert db.session.query(IssuedReport).count() == 0


def test_signing_works_inside_a_running_event_loop(world, rnd, app, tmp_path, monkeypatch):
    """Does issuing a signed document still work when the calling thread runs an asyncio loop?"""
    import asyncio
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    path, _ = _self_signed(tmp_path)
    monkeypatch.setitem(app.config, "REPORT_SIGNING_CERTS", {"CB-A": str(path)})
    monkeypatch.setitem(app.config, "REPORT_SIGNING_PASSWORD_ENV", "TEST_SIGNING_PASSWORD")
    monkeypatch.setenv("TEST_SIGNING_PASSWORD", PASSWORD)

    async def inside():
        return documents.issue(rnd, world.cell_a, "cell_sheet", world.secretary_a)

    # A fresh thread (carrying this app context) whose own event loop is running when issue() is called.
    ctx = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as pool:
        report_id = pool.submit(lambda: ctx.run(lambda: asyncio.run(inside()).id)).result()
    db.session.rollback()
    report = db.session.get(IssuedReport, report_id)
    assert report.signed and report.pdf.count(b"/ByteRange") == 1
