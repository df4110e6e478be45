"""The in-app inbox (站内通知), and email when SMTP is configured."""

from app.notifications import models  # noqa: F401
