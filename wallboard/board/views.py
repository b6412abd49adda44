"""Pages: the board (signed-in users only) and a health check for load balancers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def board(request: HttpRequest) -> HttpResponse:
    tv = request.GET.get("tv", "").lower() in ("1", "true", "yes", "on")
    return render(request, "board/board.html", {"tv": tv})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
