"""Delivery of a referral package by e-mail (``smtplib``), as an attachment."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from childguard.config import Settings
from childguard.reports.errors import SinkUnavailable


def send_package(settings: Settings, to: str, filename: str, data: bytes, report_id: int) -> None:
    """E-mail ``data`` to ``to``; an SMTP failure is ``SinkUnavailable`` (retried)."""
    message = EmailMessage()
    message["From"] = settings.kh_referral_email_from
    message["To"] = to
    message["Subject"] = f"childguard referral {report_id}"
    message.set_content(
        "A referral package from childguard is attached (PDF in Khmer and English, signed "
        "manifest). Check it with `childguard report verify` before relying on it.\n"
    )
    message.add_attachment(data, maintype="application", subtype="zip", filename=filename)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                smtp.login(settings.smtp_username, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise SinkUnavailable(
            f"SMTP delivery to {settings.smtp_host} failed: {type(exc).__name__}"
        ) from None
