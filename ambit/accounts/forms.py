"""Forms for sign-in, invitations and the profile. Validation of rules stays in the services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from ambit.accounts.models import Membership, Role


class MemberChoiceField(forms.ModelChoiceField[Membership]):
    """A choice of memberships, shown by the person's name (owners of objectives, big moves...)."""

    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.get_full_name()


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form with an email field and browser autofill hints."""

    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email", "inputmode": "email"}),
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password don't match an account. Check both, or reset your password.",
    }


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER)
    send_email = forms.BooleanField(
        label="Send the invitation by email",
        required=False,
        initial=True,
        help_text="Untick to only get a link you can copy and share yourself.",
    )


class AcceptInvitationForm(forms.Form):
    """A new person joining: their name and a password (checked by Django's validators)."""

    full_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not only digits, not a common password.",
    )
    password2 = forms.CharField(
        label="Repeat the password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: object, email: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.email = email

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ: type the same password twice.")
        elif p1:
            from ambit.accounts.models import User

            try:
                password_validation.validate_password(
                    str(p1), User(email=self.email, full_name=str(data.get("full_name", "")))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
