"""Putting people on the board: a user with a role and an agent profile (``create_agent``), and
Voicenter's extension list into the directory and the profiles (``import_extensions``).

Synchronous ORM; the commands (and ``make demo``) call these. Each function returns what it did
in words (translatable), for the command to print.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from realtime.voicenter.rest import ExtensionRow
from wallboard.agents.models import AgentProfile, Extension, digits
from wallboard.agents.roles import AGENT, SUPERVISOR


class OnboardingError(Exception):
    """A request that cannot be carried out; the text says why, for a person."""


@transaction.atomic
def create_agent(
    username: str,
    *,
    password: str | None,
    voicenter_user_id: str = "",
    extension: str = "",
    supervisor: bool = False,
    email: str | None = None,
) -> str:
    """Create or update ``username`` as an agent (or a supervisor) with its profile; the flags
    are the role it ends with. Returns "created ..." or "updated ..."."""
    username = username.strip()
    extension = extension.strip()
    voicenter_user_id = voicenter_user_id.strip()
    if not username:
        raise OnboardingError(_("the username is empty"))
    if not supervisor and not (extension and voicenter_user_id):
        raise OnboardingError(
            _("an agent needs --voicenter-user-id and --extension (a supervisor needs neither)")
        )
    if voicenter_user_id:
        try:
            digits(voicenter_user_id)
        except ValidationError:
            raise OnboardingError(
                _("--voicenter-user-id must be digits, not %(id)s")
                % {"id": repr(voicenter_user_id)}
            ) from None
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        if not password:
            raise OnboardingError(_("a new user needs --password"))
        user = User(username=username)
    holder = (
        AgentProfile.objects.filter(extension=extension)
        .exclude(user__username=username)
        .select_related("user")
        .first()
        if extension
        else None
    )
    if holder is not None:
        raise OnboardingError(
            _("extension %(extension)s already belongs to %(user)s")
            % {"extension": extension, "user": holder.user.get_username()}
        )
    if email is not None:
        user.email = email.strip()
    if password:
        try:  # the site's password validators (settings.AUTH_PASSWORD_VALIDATORS), as everywhere
            validate_password(password, user)
        except ValidationError as exc:
            why = " ".join(exc.messages)
            raise OnboardingError(_("the password is refused: %(why)s") % {"why": why}) from None
        user.set_password(password)
    user.is_staff = supervisor or user.is_superuser  # supervisors use the admin
    user.save()
    user.groups.remove(*Group.objects.filter(name__in=[SUPERVISOR, AGENT]))
    user.groups.add(Group.objects.get_or_create(name=SUPERVISOR if supervisor else AGENT)[0])
    if extension or voicenter_user_id:
        AgentProfile.objects.update_or_create(
            user=user,
            defaults={"extension": extension, "voicenter_user_id": voicenter_user_id},
        )
    else:
        AgentProfile.objects.filter(user=user).delete()
    values = {"user": username, "extension": extension, "id": voicenter_user_id}
    if extension:
        done = {
            (True, True): _(
                "created supervisor %(user)s, extension %(extension)s, Voicenter user %(id)s"
            ),
            (True, False): _(
                "created agent %(user)s, extension %(extension)s, Voicenter user %(id)s"
            ),
            (False, True): _(
                "updated supervisor %(user)s, extension %(extension)s, Voicenter user %(id)s"
            ),
            (False, False): _(
                "updated agent %(user)s, extension %(extension)s, Voicenter user %(id)s"
            ),
        }
    else:
        done = {
            (True, True): _("created supervisor %(user)s"),
            (True, False): _("created agent %(user)s"),
            (False, True): _("updated supervisor %(user)s"),
            (False, False): _("updated agent %(user)s"),
        }
    return done[created, supervisor] % values


@dataclass
class ImportReport:
    extensions_created: int = 0
    extensions_updated: int = 0
    extensions_removed: int = 0
    profiles_created: int = 0
    profiles_updated: int = 0
    skipped: list[str] = field(default_factory=list)  # one line per row, with the reason

    def lines(self) -> list[str]:
        """The report in words (``import_extensions`` prints it)."""
        return [
            _(
                "extensions: %(created)s created, %(updated)s updated, %(removed)s removed (no"
                " longer in Voicenter's list)"
            )
            % {
                "created": self.extensions_created,
                "updated": self.extensions_updated,
                "removed": self.extensions_removed,
            },
            _("agent profiles: %(created)s created, %(updated)s updated, %(skipped)s skipped")
            % {
                "created": self.profiles_created,
                "updated": self.profiles_updated,
                "skipped": len(self.skipped),
            },
            *("  " + _("skipped %(line)s") % {"line": line} for line in self.skipped),
        ]


@transaction.atomic
def import_extensions(
    rows: Iterable[ExtensionRow],
    live_user_ids: Mapping[str, str],
    unreadable: int = 0,
    *,
    whole_list: bool = True,
) -> ImportReport:
    """Voicenter's extension list -> the directory (replaced) and the agent profiles of the
    users whose e-mail matches (created or updated; those users become agents unless they are
    supervisors). ``live_user_ids``: SIP user -> Voicenter user id, from the realtime state
    (the list itself carries none). An e-mail listed on several extensions names no agent: it
    is reported, and its profile left as it was. ``whole_list``: the list is the whole
    organisation's, so extensions missing from it leave the directory."""
    rows = list(rows)
    emails: dict[str, int] = {}
    for row in rows:
        if row.user_email:
            emails[row.user_email.lower()] = emails.get(row.user_email.lower(), 0) + 1
    report = ImportReport()
    if unreadable:
        report.skipped.append(
            ngettext(
                "%(count)s row without a SIP user", "%(count)s rows without a SIP user", unreadable
            )
            % {"count": unreadable}
        )
    agent_group = Group.objects.get_or_create(name=AGENT)[0]
    seen: set[str] = set()
    for row in rows:
        if row.sip in seen:
            report.skipped.append(_("%(sip)s: listed twice") % {"sip": row.sip})
            continue
        seen.add(row.sip)
        user_id = live_user_ids.get(row.sip, "")
        values = {
            "name": row.name,
            "speed_dial": row.speed_dial,
            "account_id": row.account_id,
            "account_name": row.account_name,
            "user_name": row.user_name,
            "user_email": row.user_email,
        }
        directory = Extension.objects.filter(sip=row.sip).first()
        if directory is None:
            Extension.objects.create(sip=row.sip, voicenter_user_id=user_id, **values)
            report.extensions_created += 1
        else:
            changed = {k: v for k, v in values.items() if getattr(directory, k) != v}
            if user_id and directory.voicenter_user_id != user_id:
                changed["voicenter_user_id"] = user_id
            if changed:
                Extension.objects.filter(pk=directory.pk).update(**changed)
                report.extensions_updated += 1
        if emails.get(row.user_email.lower(), 0) > 1:
            report.skipped.append(
                _("%(sip)s: %(email)s is listed on several extensions")
                % {"sip": row.sip, "email": row.user_email}
            )
            continue
        known_id = user_id or (directory.voicenter_user_id if directory else "")
        _profile_for(row, known_id, agent_group, report)
    if whole_list:
        report.extensions_removed = Extension.objects.exclude(sip__in=seen).delete()[0]
    return report


def _profile_for(row: ExtensionRow, user_id: str, agents: Group, report: ImportReport) -> None:
    if not row.user_email:
        report.skipped.append(_("%(sip)s: no e-mail in Voicenter") % {"sip": row.sip})
        return
    users = list(User.objects.filter(email__iexact=row.user_email)[:2])
    values = {"sip": row.sip, "email": row.user_email}
    if not users:
        report.skipped.append(_("%(sip)s: no user with e-mail %(email)s") % values)
        return
    if len(users) > 1:
        report.skipped.append(_("%(sip)s: several users with e-mail %(email)s") % values)
        return
    user = users[0]
    holder = AgentProfile.objects.filter(extension=row.sip).exclude(user=user).first()
    if holder is not None:
        report.skipped.append(
            _("%(sip)s: already the extension of %(user)s")
            % {"sip": row.sip, "user": holder.user.get_username()}
        )
        return
    profile = AgentProfile.objects.filter(user=user).first()
    if profile is None:
        AgentProfile.objects.create(user=user, extension=row.sip, voicenter_user_id=user_id)
        report.profiles_created += 1
    elif profile.extension != row.sip or (user_id and profile.voicenter_user_id != user_id):
        profile.extension = row.sip
        profile.voicenter_user_id = user_id or profile.voicenter_user_id
        profile.save(update_fields=["extension", "voicenter_user_id"])
        report.profiles_updated += 1
    if not user.groups.filter(name=SUPERVISOR).exists():
        user.groups.add(agents)
