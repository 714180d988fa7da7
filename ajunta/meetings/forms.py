"""Forms of the meetings pages: they parse what people type; the rules live in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.meetings.models import (
    AttendanceEvent,
    BodyKind,
    Choice,
    ItemKind,
    Office,
    SessionKind,
    SessionMode,
    VoteMethod,
)

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BodyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BodyKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(label=_("Code"), max_length=20, help_text=_("Short, e.g. PLE or JGL."))
    legal_members = forms.IntegerField(
        label=_("Legal number of members"), required=False, min_value=1, max_value=99,
        help_text=_("Leave empty for the plenary: it follows from the population (LOREG art. 179)."),
    )  # fmt: skip
    own_quorum = forms.IntegerField(
        label=_("Own quorum (stricter rules)"), required=False, min_value=1, max_value=99
    )
    own_period_months = forms.IntegerField(
        label=_("Own periodicity of ordinary sessions (months)"), required=False, min_value=1,
        max_value=12,
    )  # fmt: skip
    weighted_voting = forms.BooleanField(label=_("Weighted voting"), required=False)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    office = forms.ChoiceField(label=_("Office"), choices=Office.choices)
    user: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("User account"), queryset=None, required=False
    )  # type: ignore[arg-type]
    email = forms.EmailField(label=_("Email"), required=False)
    group = forms.CharField(label=_("Political group"), max_length=100, required=False)
    weight = forms.DecimalField(
        label=_("Vote weight"), initial=1, min_value=0, max_digits=6, decimal_places=2
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=SessionMode.choices)
    remote_justification = forms.CharField(
        label=_("Reason for remote attendance"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a remote or mixed session."),
    )  # fmt: skip
    stream_url = forms.URLField(
        label=_("Public streaming URL"), required=False, assume_scheme="https"
    )


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    proposal = forms.CharField(
        label=_("Proposed agreement"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    opinion = forms.CharField(
        label=_("Committee's opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    case: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Case file"), queryset=None, required=False
    )  # type: ignore[arg-type]
    minutes_of: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Minutes of the session"),
        queryset=None,
        required=False,  # type: ignore[arg-type]
    )

    def __init__(self, *args: Any, cases: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.fields["minutes_of"].queryset = sessions  # type: ignore[attr-defined]


class AttendanceForm(forms.Form):
    member: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Member"), queryset=None)  # type: ignore[arg-type]
    kind = forms.ChoiceField(label=_("Event"), choices=AttendanceEvent.Kind.choices)
    remote = forms.BooleanField(label=_("Online"), required=False)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    recording_sha256 = forms.CharField(
        label=_("Recording hash (SHA-256)"), required=False, max_length=64,
        help_text=_("The video recording's SHA-256, for the video minutes."),
    )  # fmt: skip


class StreamForm(forms.Form):
    stream_url = forms.URLField(
        label=_("Public streaming URL"), required=False, assume_scheme="https"
    )


class DecideForm(forms.Form):
    """The vote: one choice per member present (roll call, show of hands) or totals (secret)."""

    vote_method = forms.ChoiceField(
        label=_("Vote method"), choices=[("", "—"), *VoteMethod.choices], required=False
    )
    yes = forms.IntegerField(label=_("Yes (secret ballot)"), required=False, min_value=0)
    no = forms.IntegerField(label=_("No (secret ballot)"), required=False, min_value=0)
    abstain = forms.IntegerField(label=_("Abstain (secret ballot)"), required=False, min_value=0)
    deliberation = forms.CharField(
        label=_("Summary of the deliberation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    agreement = forms.CharField(
        label=pgettext_lazy("decision of a collegiate body", "Agreement"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Empty: the proposed agreement, if approved."),
    )  # fmt: skip
    time_code = forms.IntegerField(
        label=_("Time code in the recording (seconds)"), required=False, min_value=0
    )

    def __init__(self, *args: Any, voters: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.voters = voters
        for member in voters:
            self.fields[f"vote_{member.pk}"] = forms.ChoiceField(
                label=member.name, choices=[("", "—"), *Choice.choices], required=False
            )

    def ballots(self) -> dict[int, str]:
        data = self.cleaned_data
        return {m.pk: data[f"vote_{m.pk}"] for m in self.voters if data.get(f"vote_{m.pk}")}

    def counts(self) -> dict[str, int] | None:
        data = self.cleaned_data
        if data.get("vote_method") != VoteMethod.SECRET:
            return None
        return {c: data.get(c) or 0 for c in ("yes", "no", "abstain")}


class MinutesForm(forms.Form):
    body = forms.CharField(
        label=_("Text of the minutes"), widget=forms.Textarea(attrs={"rows": 20})
    )
