"""The emails the web app sends, rendered from templates/emails/ into the outbox
table in the same transaction as the change (delivered by a job after commit)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from brokerage.i18n import current_language
from workers.notify import external_url, recipient_language, send_need_decision, send_templated  # noqa: F401
from brokerage.tokens import make_token
from models import Invitation, Organisation, User


def send_verification_email(user: User) -> None:
    token = make_token("verify-email", {"user": user.id, "email": user.email})
    hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
    send_templated(
        user.email,
        "verify_email",
        _l("Confirm your email address"),
        kind="verify_email",
        user=user,
        link=external_url("auth.verify_email", token=token),
        hours=hours,
    )


def send_password_reset(user: User) -> None:
    # The token carries a fragment of the current hash, so it stops working once used.
    # And the address it goes to, so following it confirms that address and no other.
    token = make_token("reset-password", {"user": user.id, "h": user.password_hash[-16:], "email": user.email})
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    send_templated(
        user.email,
        "reset_password",
        _l("Reset your password"),
        kind="reset_password",
        user=user,
        link=external_url("auth.reset_password", token=token),
        minutes=minutes,
    )


def sign_in_token(user: User) -> str:
    """Single-use: it names the account's last sign-in, which using it (or any sign-in) moves on."""
    last = user.last_login_at.isoformat() if user.last_login_at else ""
    return make_token("sign-in", {"user": user.id, "email": user.email, "last": last})


def send_sign_in_link(user: User) -> None:
    send_templated(
        user.email,
        "sign_in_link",
        _l("Your link to sign in"),
        kind="sign_in_link",
        user=user,
        link=external_url("auth.sign_in_by_link", token=sign_in_token(user)),
        minutes=current_app.config["SIGN_IN_LINK_MAX_AGE"] // 60,
    )


def send_account_exists(user: User) -> None:
    """Someone registered with an address that has an account: tell its owner, not the form."""
    send_templated(
        user.email,
        "account_exists",
        _l("You already have an account"),
        kind="account_exists",
        user=user,
        sign_in_link=external_url("auth.login"),
        reset_link=external_url("auth.forgot_password"),
    )


def send_invitation(invitation: Invitation, inviter: User) -> None:
    token = make_token("invitation", {"invitation": invitation.id, "email": invitation.email})
    # The invitee's own language if they have an account, else the inviter's (whose page this is).
    language = recipient_language(invitation.email) or inviter.locale or current_language()
    send_templated(
        invitation.email,
        "invitation",
        _l("Join %(organisation)s on %(service)s", organisation=invitation.organisation.name,
           service=current_app.config["SERVICE_NAME"]),
        kind="invitation",
        language=language,
        invitation=invitation,
        inviter=inviter,
        link=external_url("organisations.accept_invitation", token=token),
    )


def send_organisation_decision(organisation: Organisation) -> None:
    for owner in organisation.owners():
        send_templated(
            owner.email,
            "organisation_decision",
            _l("%(name)s: verified", name=organisation.name) if organisation.is_verified
            else _l("%(name)s: not verified yet", name=organisation.name),
            kind="organisation_decision",
            user=owner,
            organisation=organisation,
            link=external_url("organisations.show", organisation_id=organisation.id),
        )


def send_organisation_change_decision(organisation: Organisation, verified_name: str) -> None:
    """Tell the owners whether the council accepted their change of name, legal form or number."""
    change = organisation.change  # None once accepted (the new details are the organisation's own)
    accepted = change is None
    for owner in organisation.owners():
        send_templated(
            owner.email,
            "organisation_change_decision",
            _l("%(name)s: change of details accepted", name=verified_name) if accepted
            else _l("%(name)s: change of details not accepted", name=verified_name),
            kind="organisation_change_decision",
            user=owner,
            organisation=organisation,
            change=change,
            accepted=accepted,
            verified_name=verified_name,
            link=external_url("organisations.show", organisation_id=organisation.id),
        )
