"""GOV.UK Frontend components' own words (the password input's Show button, the character
count's messages), in the page's language: passed to the component as its params, since
the Jinja port writes them in English by default."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def password_toggle() -> dict:
    """govukPasswordInput's button and what screen readers hear when it is pressed."""
    return {
        "showPasswordText": _l("Show"),
        "hidePasswordText": _l("Hide"),
        "showPasswordAriaLabelText": _l("Show password"),
        "hidePasswordAriaLabelText": _l("Hide password"),
        "passwordShownAnnouncementText": _l("Your password is visible"),
        "passwordHiddenAnnouncementText": _l("Your password is hidden"),
    }


def character_count(maxlength: int) -> dict:
    """govukCharacterCount's hint and live count. The script picks the plural form for the
    page's language (Welsh has six: zero, one, two, few, many, other); "%{count}" is its
    placeholder, filled in by the script."""
    under, over = _l("You have %{count} characters remaining"), _l("You have %{count} characters too many")
    return {
        "maxlength": maxlength,
        "textareaDescriptionText": _l("You can enter up to %{count} characters"),
        "charactersUnderLimitText": {
            "zero": under, "one": _l("You have %{count} character remaining"), "two": under, "few": under,
            "many": under, "other": under,
        },
        "charactersAtLimitText": _l("You have 0 characters remaining"),
        "charactersOverLimitText": {
            "zero": over, "one": _l("You have %{count} character too many"), "two": over, "few": over,
            "many": over, "other": over,
        },
    }
