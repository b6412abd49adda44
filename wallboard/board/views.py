"""Pages: the board (signed-in users, or a display link's TV), liveness (``/healthz``) and
readiness (``/readyz``).

The board page carries its configuration as JSON (``board-config``, rendered by
``json_script``: text, never markup): the account's status names and which ones are offered
(``wallboard.agents.models.StatusOption``: the account's own names, as data), who is looking
(their extension, whether they may act on their own card or on every card), where a status change
is posted, where the screen-pop looks a caller up (and, for who may add contacts, the add form its
unknown caller links to), the service-level formulas in the words of the person looking
(translated here: ``wallboard.reports.models.FORMULA_WORDS``), the status limits the cards are
judged by (``wallboard.teams.limits``) and who serves each queue its teams name
(``wallboard.teams.members``). Every other word the page's modules show comes from their
catalog (``static/board/i18n.js``). A display link gets the names only: it never acts.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from realtime.metrics import FORMULAS
from wallboard.agents.models import StatusOption
from wallboard.agents.roles import role_of
from wallboard.board.models import DisplayLink
from wallboard.contacts.views import add_contact_url
from wallboard.reports.models import FORMULA_WORDS
from wallboard.teams.limits import limits_for
from wallboard.teams.members import queue_members
from wallboard.teams.visibility import teams_for_display, teams_for_user


def _formulas() -> dict[str, str]:
    """The service-level formulas in the words of the person looking (the tiles' tooltip)."""
    return {name: str(FORMULA_WORDS[name]) for name in FORMULAS}


def _statuses() -> list[dict[str, object]]:
    """The account's statuses, named in the language of the page."""
    language = get_language()
    return [
        {"code": o.code, "name": o.name_for(language), "offered": o.offered}
        for o in StatusOption.objects.all()
    ]


@require_GET
@login_required
def board(request: HttpRequest) -> HttpResponse:
    tv = request.GET.get("tv", "").lower() in ("1", "true", "yes", "on")
    role = role_of(request.user)
    teams, whole = teams_for_user(request.user)  # one lookup for the limits and the members
    config = {
        "statuses": _statuses(),
        "me": {
            "extension": role.extension,
            "supervisor": role.supervisor,
            "agent": role.agent,
        },
        "status_url": reverse("change_status"),
        "lookup_url": reverse("contacts_lookup"),
        "add_contact_url": add_contact_url(request.user),
        "confirm_s": settings.WALLBOARD_STATUS_CONFIRM_S,
        "heartbeat_s": settings.WALLBOARD_HEARTBEAT_S,
        "formulas": _formulas(),
        "time_zone": settings.TIME_ZONE,
        "limits": limits_for(teams, whole),
        "queue_members": queue_members(teams),
    }
    return render(request, "board/board.html", {"tv": tv, "config": config})


@require_GET
def display(request: HttpRequest, token: str) -> HttpResponse:
    """A display link: the board in TV mode, no sign-in, no controls."""
    link = DisplayLink.open(token)
    if link is None:
        return render(request, "board/display_gone.html", status=404)
    if link.language:  # the link's own language wins over the screen's browser's
        translation.activate(link.language)
        request.LANGUAGE_CODE = link.language
    teams, whole = teams_for_display(link)
    config = {
        "statuses": _statuses(),
        "me": None,
        "status_url": "",
        "confirm_s": 0,
        "heartbeat_s": settings.WALLBOARD_HEARTBEAT_S,
        "formulas": _formulas(),
        "time_zone": settings.TIME_ZONE,
        "limits": limits_for(teams, whole),
        "queue_members": queue_members(teams),
    }
    context = {"tv": True, "config": config, "display": link, "display_token": token}
    return render(request, "board/board.html", context)
