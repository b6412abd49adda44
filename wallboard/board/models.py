"""Display links: a board for a TV on the wall, without anybody's session.

A supervisor who can act on agents must not leave their session on a wall screen. A display
link is a long random token in a URL (``/display/<token>/``) that opens the board in TV mode
without signing in: it receives the same live frames and can never act. Revoking it closes its
open screens within ``wallboard.board.consumers.DISPLAY_CHECK_S`` and refuses them after;
``last_seen_at`` says when a screen last opened it (written at most once a minute per link).
A link shows the whole account or one team (``team``); once that team is deleted the link
shows nothing and says the team is gone (never the whole account instead).
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wallboard.teams.models import Team

#: ``last_seen_at`` is written at most this often per link: a TV reconnecting in a loop must
#: not mean a database write per attempt.
SEEN_EVERY = timedelta(minutes=1)


#: What a token can look like (``new_token``'s, or an older one of up to 64 such characters).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """43 URL-safe characters: 256 random bits."""
    return secrets.token_urlsafe(32)


class DisplayLink(models.Model):
    name = models.CharField(
        _("name"), max_length=80, help_text=_("The screen it is for, e.g. 'Sales TV'.")
    )
    token = models.CharField(
        _("token"), max_length=64, unique=True, default=new_token, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language of its screen (empty: the screen's browser's, else the site's)."),
    )
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="display_links",
        verbose_name=_("team"),
        help_text=_("The team its screen shows (empty: the whole account)."),
    )
    #: The whole account, not a team: set from ``team`` when the link is saved, so that a link
    #: whose team is deleted (``team`` set to null) shows nothing, not everything.
    whole_account = models.BooleanField(_("whole account"), default=True, editable=False)

    class Meta:
        verbose_name = _("display link")
        verbose_name_plural = _("display links")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if self.team_id is not None:
            self.whole_account = False
        elif self._state.adding:
            self.whole_account = True
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def path(self) -> str:
        return reverse("display", args=[self.token])

    @classmethod
    def live(cls, token: str) -> DisplayLink | None:
        """The link with ``token`` unless it is revoked (or there is none). Synchronous ORM."""
        if not _TOKEN_SHAPE.fullmatch(
            token
        ):  # (junk is not looked up: no NUL reaches the database)
            return None
        return cls.objects.filter(token=token, revoked_at=None).first()

    @classmethod
    def open(cls, token: str) -> DisplayLink | None:
        """:meth:`live`, marked as seen now. Synchronous ORM."""
        display = cls.live(token)
        if display is None:
            return None
        now = timezone.now()
        if display.last_seen_at is None or now - display.last_seen_at > SEEN_EVERY:
            cls.objects.filter(pk=display.pk).update(last_seen_at=now)
            display.last_seen_at = now
        return display
