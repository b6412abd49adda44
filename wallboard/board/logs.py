"""A logging filter that keeps secrets in URLs out of the logs: the path of the endpoint
Voicenter's Pop-up screen asks (``/contacts/popup/<CONTACTS_POPUP_SECRET>/``) and the caller's
number it carries. Attached (``wallboard/settings.py``) to the console handler and to the web
servers' access loggers."""

from __future__ import annotations

import logging
import re

SECRET_PATH = re.compile(r"/contacts/popup/[^\s\"'?]+(\?[^\s\"']*)?")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/contacts/popup/" in message:
            record.msg = SECRET_PATH.sub("/contacts/popup/[redacted]", message)
            record.args = None
        return True
