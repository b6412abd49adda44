"""A logging filter that keeps secrets in URLs out of the logs: the paths of the endpoints
Voicenter's Pop-up screen asks (``/contacts/popup/<CONTACTS_POPUP_SECRET>/``, and the caller's
number it carries) and its CDR notifications post to
(``/reports/cdr/<WALLBOARD_CDR_SECRET>/``), and display links' tokens (``/display/<token>/``
and a board socket's ``?display=<token>``, which uvicorn logs for every socket it accepts), and
the Voicenter API code in a query (``?code=``: the active-calls questions are GETs, and httpx
logs each request's URL).
Attached (``wallboard/settings.py``) to the console handler and to the web servers' own
loggers (``deploy/nginx.conf`` does the same for the proxy's access log)."""

from __future__ import annotations

import logging
import re

SECRET_PATHS = {
    "/contacts/popup/": re.compile(r"/contacts/popup/[^\s\"'?]+(\?[^\s\"']*)?"),
    "/reports/cdr/": re.compile(r"/reports/cdr/[^\s\"'?]+(\?[^\s\"']*)?"),
    "/display/": re.compile(r"/display/[^\s\"'/?]+"),
    "display=": re.compile(r"display=[^\s\"'&]+"),
    "code=": re.compile(r"(?<=[?&])code=[^\s\"'&]+", re.IGNORECASE),
}


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for start, pattern in SECRET_PATHS.items():
            if start in message:
                message = pattern.sub(start + "[redacted]", message)
                record.msg, record.args = message, None
        return True
