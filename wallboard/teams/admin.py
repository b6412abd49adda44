"""Teams in the admin: a name, its queues and agents picked by name from what the board knows
(``making.known_queues``/``known_agents``), its supervisors. Only superusers and people given
the teams' permissions manage them: a team decides what its supervisors see and act on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wallboard.teams.making import known_agents, known_queues, set_agents, set_queues
from wallboard.teams.models import Team, TeamStatusLimit


def _choices(known: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, f"{name} ({key})" if name else key) for key, name in known.items()]


class TeamForm(forms.ModelForm):
    team_queues = forms.MultipleChoiceField(
        label=_("queues"),
        required=False,
        widget=FilteredSelectMultiple(_("queues"), is_stacked=False),
        help_text=_("The queues the board knows, by name. A queue may be in several teams."),
    )
    team_agents = forms.MultipleChoiceField(
        label=_("agents"),
        required=False,
        widget=FilteredSelectMultiple(_("agents"), is_stacked=False),
        help_text=_("The extensions the board knows, by name. An agent may be in several teams."),
    )

    class Meta:
        model = Team
        fields = ["name", "supervisors"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_queues, self.known_agents = known_queues(), known_agents()
        for field, known in (
            ("team_queues", self.known_queues),
            ("team_agents", self.known_agents),
        ):
            choice = self.fields[field]
            assert isinstance(choice, forms.MultipleChoiceField)
            choice.choices = _choices(known)
        if self.instance.pk is not None:
            self.initial["team_queues"] = list(
                self.instance.queues.values_list("queue_id", flat=True)
            )
            self.initial["team_agents"] = list(
                self.instance.agents.values_list("extension", flat=True)
            )


class TeamStatusLimitInline(admin.TabularInline):
    """The team's own status limits, in place of the account's (Status options)."""

    model = TeamStatusLimit
    extra = 0
    fields = ["status", "limit_min", "call_limit_min"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamForm
    inlines = [TeamStatusLimitInline]
    list_display = ["name", "queue_names", "agent_count", "supervisor_names"]
    search_fields = ["name", "queues__name", "agents__name", "agents__extension"]
    filter_horizontal = ["supervisors"]
    fields = ["name", "team_queues", "team_agents", "supervisors"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).prefetch_related("queues", "agents", "supervisors")

    @admin.display(description=_("queues"))
    def queue_names(self, team: Team) -> str:
        return ", ".join(str(q) for q in team.queues.all()) or gettext("none")

    @admin.display(description=_("agents"))
    def agent_count(self, team: Team) -> int:
        return len(team.agents.all())

    @admin.display(description=_("supervisors"))
    def supervisor_names(self, team: Team) -> str:
        return ", ".join(u.get_username() for u in team.supervisors.all()) or gettext("none")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        team = form.instance
        picked = form.cleaned_data
        set_queues(team, {k: form.known_queues.get(k, "") for k in picked["team_queues"]})
        set_agents(team, {k: form.known_agents.get(k, "") for k in picked["team_agents"]})
