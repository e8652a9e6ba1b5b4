"""The account rules in models/accounts.py and models/passwords.py, called
directly (as views, workers and the CLI do), against the real database."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from models import DomainError, EmailMessage, Event, Invitation, Membership, Organisation, Role, User, db
from models.people.accounts import (
    change_email,
    delete_account,
    email_taken,
    find_user_by_email,
    normalise_email,
    register_user,
    set_password,
    set_role,
    verify_email,
)
from models.core.mail import queue_email
from models.people.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, password_problem, verify_password
from tests.factories import PASSWORD

STRONG = "purple-otter-lantern-fjord"


def actions(subject: User) -> list[str]:
    return list(
        db.session.scalars(
            select(Event.action)
            .where(Event.subject_type == "users", Event.subject_id == str(subject.id))
            .order_by(Event.id)
        )
    )


# --- passwords (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["", "a", "Xk9#qTz!4", " " * (MIN_LENGTH - 1)])
def test_a_password_under_ten_characters_is_too_short(password):
    assert password_problem(password) == "Password must be 10 characters or more"


def test_a_password_over_128_characters_is_too_long():
    assert password_problem("x9Kp#" * 26) == "Password must be 128 characters or fewer"
    assert password_problem("Zq7#mWv2Lp" * 20) == "Password must be 128 characters or fewer"


def test_ten_unguessable_characters_are_enough():
    assert password_problem("Xk9#qTz!4w") is None


@pytest.mark.parametrize("length", [73, 100, MAX_LENGTH])
def test_a_long_passphrase_is_accepted(length):
    # zxcvbn refuses more than 72 characters: the rule must not crash on them.
    phrase = ("correct horse battery staple purple otter lantern fjord " * 3)[:length]
    assert len(phrase) == length
    assert password_problem(phrase) is None


def test_a_long_password_made_of_one_letter_is_still_weak():
    assert password_problem("a" * MAX_LENGTH) is not None


@pytest.mark.parametrize(
    "password, expected",
    [
        ("password1234", "This is a very common password"),
        ("qwertyuiop12", "This is similar to a commonly used password"),
        ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess'),
        ("1234567890", "This is a top-100 common password"),
    ],
)
def test_a_guessable_password_says_why(password, expected):
    problem = password_problem(password)
    assert problem is not None
    assert problem.startswith(expected), problem
    assert problem.endswith("."), "a whole sentence for the person"


def test_a_password_made_of_the_persons_own_details_is_weak():
    details = ["Amara Okafor", "amara@harlesden-hub.org", "amara", "harlesden-hub.org"]
    assert password_problem("okaforamara1") is None, "strong for anyone else"
    assert password_problem("okaforamara1", details) is not None
    assert password_problem("Okafor123456") is None
    assert password_problem("Okafor123456", details) is not None
    assert password_problem(STRONG, details) is None


def test_empty_user_inputs_are_ignored():
    assert password_problem(STRONG, ["", None, "x"]) is None  # type: ignore[list-item]


def test_a_hash_is_argon2id_and_salted():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$")
    assert first != second
    assert PASSWORD not in first
    assert verify_password(first, PASSWORD)
    assert verify_password(second, PASSWORD)
    assert not verify_password(first, PASSWORD + " ")
    assert not verify_password(first, PASSWORD.upper())


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "",
        "not-a-hash",
        PASSWORD,  # a plaintext "hash" equal to the password must not match
        "$argon2id$v=19$m=65536,t=3,p=4$",
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$garbage!!",
        "$2b$12$KIXQJbV3a0zv7lT5d3b5eOqVq6p8xQ2l1y1n9Pj6x1QyE2h5a6b7C",  # bcrypt
        "pbkdf2:sha256:600000$salt$abcdef",  # werkzeug
        "\x00\x00\x00",
    ],
)
def test_verify_password_on_a_garbage_hash_is_false(garbage):
    assert verify_password(garbage, PASSWORD) is False


def test_verify_password_on_a_truncated_hash_is_false():
    good = hash_password(PASSWORD)
    assert verify_password(good[:-5], PASSWORD) is False
    assert verify_password(good[:-5] + "AAAAA", PASSWORD) is False


def test_an_old_weaker_hash_needs_rehashing():
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert verify_password(weak, PASSWORD)
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password(PASSWORD))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Person@Example.ORG", "person@example.org"),
        ("  person@example.org\t\n", "person@example.org"),
        ("PERSON@EXAMPLE.ORG ", "person@example.org"),
        ("person@example.org", "person@example.org"),
    ],
)
def test_normalise_email(raw, expected):
    assert normalise_email(raw) == expected


# --- register and find -----------------------------------------------------------------------


def test_register_user_stores_a_normalised_account_and_an_event(ctx):
    user = register_user("  Amara Okafor ", " Amara@Example.ORG ", PASSWORD)
    db.session.commit()
    assert user.id is not None
    assert user.name == "Amara Okafor"
    assert user.email == "amara@example.org"
    assert user.role == "resident"
    assert user.email_verified is False
    assert user.session_id and len(user.session_id) >= 24
    assert user.check_password(PASSWORD)
    assert not user.check_password("wrong-password-entirely")
    assert actions(user) == ["user.registered"]
    event = db.session.scalar(select(Event).where(Event.action == "user.registered"))
    assert event.actor_id == user.id
    assert event.to_state == "resident"


def test_register_user_refuses_a_taken_address_in_any_case(ctx):
    register_user("Amara Okafor", "amara@example.org", PASSWORD)
    with pytest.raises(DomainError) as error:
        register_user("Another Amara", " AMARA@example.org", PASSWORD)
    assert error.value.field == "email"
    assert error.value.message == "An account with this email address already exists"


def test_register_user_refuses_a_weak_password(ctx):
    with pytest.raises(DomainError) as error:
        register_user("Amara Okafor", "amara@example.org", "Okafor123456")
    assert error.value.field == "password"
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_register_user_with_a_role(ctx):
    officer = register_user("Olu Officer", "olu@brent.example", PASSWORD, role=Role.OFFICER)
    assert officer.role == "officer"
    assert officer.is_officer and not officer.is_admin
    assert officer.role_label == "Council officer"


def test_roles_and_flask_login_properties(ctx):
    resident = register_user("Rae Resident", "rae@example.org", PASSWORD)
    admin = register_user("Ada Admin", "ada@example.org", PASSWORD, role=Role.ADMIN)
    assert not resident.is_officer and not resident.is_admin
    assert admin.is_officer and admin.is_admin
    assert resident.role_label == "Resident"
    assert admin.role_label == "Administrator"
    # Flask-Login keys the session on the rotating session id, never the row id.
    assert resident.get_id() == resident.session_id != str(resident.id)
    assert resident.session_id != admin.session_id
    assert resident.is_authenticated and resident.is_active and not resident.is_anonymous


def test_find_user_by_email_ignores_case_and_spaces(ctx):
    user = register_user("Amara Okafor", "amara@example.org", PASSWORD)
    assert find_user_by_email(" AMARA@Example.org ") is user
    assert find_user_by_email("someone@example.org") is None


def test_email_taken_can_leave_one_account_out(ctx):
    user = register_user("Amara Okafor", "amara@example.org", PASSWORD)
    assert email_taken("Amara@example.org")
    assert not email_taken("amara@example.org", except_user=user)
    assert not email_taken("nobody@example.org")


def test_the_database_refuses_a_second_account_for_one_address(ctx):
    register_user("Amara Okafor", "amara@example.org", PASSWORD)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(User).values(
                email="amara@example.org", name="Twin", password_hash="x", role="resident", session_id="other-session"
            )
        )
    db.session.rollback()


def test_the_database_refuses_an_unknown_role(ctx):
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(User).values(
                email="root@example.org", name="Root", password_hash="x", role="superuser", session_id="root-session"
            )
        )
    db.session.rollback()


# --- verify, password, email, role -----------------------------------------------------------


def test_verify_email_only_for_the_address_the_account_has(ctx):
    user = register_user("Amara Okafor", "amara@example.org", PASSWORD)
    assert verify_email(user, "old@example.org") is False
    assert user.email_verified_at is None
    assert verify_email(user, " AMARA@example.org") is True
    first = user.email_verified_at
    assert first is not None
    assert verify_email(user, "amara@example.org") is True
    assert user.email_verified_at == first, "confirming twice keeps the first time"
    assert actions(user).count("user.email_verified") == 1


def test_set_password_rotates_the_session_id(ctx):
    user = register_user("Amara Okafor", "amara@example.org", PASSWORD)
    old_hash, old_session = user.password_hash, user.session_id
    set_password(user, STRONG)
    assert user.password_hash != old_hash
    assert user.session_id != old_session
    assert user.check_password(STRONG) and not user.check_password(PASSWORD)
    assert actions(user)[-1] == "user.password_changed"


def test_set_password_records_who_did_it(ctx):
    user = register_user("Amara Okafor", "amara@example.org", PASSWORD)
    admin = register_user("Ada Admin", "ada@example.org", PASSWORD, role=Role.ADMIN)
    set_password(user, STRONG, actor=admin)
    event = db.session.scalar(select(Event).where(Event.action == "user.password_changed"))
    assert event.actor_id == admin.id


def test_set_password_refuses_a_weak_one_and_changes_nothing(ctx):
    user = register_user("Amara Okafor", "amara@example.org", PASSWORD)
    old_hash, old_session = user.password_hash, user.session_id
    with pytest.raises(DomainError) as error:
        set_password(user, "okaforamara1")
    assert error.value.field == "new_password"
    assert (user.password_hash, user.session_id) == (old_hash, old_session)


def test_change_email_unverifies_the_account(ctx):
    user = register_user("Amara Okafor", "amara@example.org", PASSWORD)
    verify_email(user, user.email)
    change_email(user, " New@Example.org ")
    assert user.email == "new@example.org"
    assert user.email_verified_at is None
    assert actions(user)[-1] == "user.email_changed"


def test_change_email_refuses_the_same_or_a_taken_address(ctx):
    user = register_user("Amara Okafor", "amara@example.org", PASSWORD)
    register_user("Kwame Mensah", "kwame@example.org", PASSWORD)
    with pytest.raises(DomainError, match="already your email address"):
        change_email(user, "AMARA@example.org")
    with pytest.raises(DomainError, match="already exists") as error:
        change_email(user, "Kwame@example.org")
    assert error.value.field == "email"
    assert user.email == "amara@example.org"


def test_set_role_rotates_the_session_and_records_it(ctx):
    admin = register_user("Ada Admin", "ada@example.org", PASSWORD, role=Role.ADMIN)
    user = register_user("Olu Officer", "olu@example.org", PASSWORD)
    old_session = user.session_id
    set_role(user, Role.OFFICER, admin)
    assert user.role == "officer"
    assert user.session_id != old_session
    event = db.session.scalar(select(Event).where(Event.action == "user.role_changed"))
    assert (event.from_state, event.to_state, event.actor_id) == ("resident", "officer", admin.id)
    # The same role again changes nothing.
    session = user.session_id
    set_role(user, Role.OFFICER, admin)
    assert user.session_id == session


def test_an_admin_cannot_remove_their_own_admin_role(ctx):
    admin = register_user("Ada Admin", "ada@example.org", PASSWORD, role=Role.ADMIN)
    with pytest.raises(DomainError, match="your own administrator role"):
        set_role(admin, Role.OFFICER, admin)
    assert admin.role == "admin"


# --- delete ----------------------------------------------------------------------------------


def _organisation(owner: User, name: str = "Harlesden Food Hub") -> Organisation:
    from models.people.organisations import OrganisationKind, create_organisation

    verify_email(owner, owner.email)
    return create_organisation(owner, OrganisationKind.VCSE, name=name, legal_form="charity", registration_number="1190001")


def test_delete_account_hands_the_organisation_to_the_longest_serving_member(ctx):
    owner = register_user("Olu Owner", "owner@example.org", PASSWORD)
    organisation = _organisation(owner)
    first = register_user("First Member", "first@example.org", PASSWORD)
    second = register_user("Second Member", "second@example.org", PASSWORD)
    db.session.add(Membership(organisation_id=organisation.id, user_id=first.id))
    db.session.flush()
    db.session.add(Membership(organisation_id=organisation.id, user_id=second.id))
    db.session.add(Invitation(organisation_id=organisation.id, email="owner@example.org", invited_by_id=first.id))
    queue_email("owner@example.org", "Queued", "Body")
    queue_email("first@example.org", "Queued", "Body")
    db.session.commit()
    owner_id, organisation_id = owner.id, organisation.id

    delete_account(owner)
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(User, owner_id) is None
    organisation = db.session.get(Organisation, organisation_id)
    assert organisation is not None
    assert organisation.created_by_id is None
    owners = {m.user_id: m.is_owner for m in db.session.scalars(select(Membership))}
    assert owners == {first.id: True, second.id: False}
    assert db.session.scalars(select(EmailMessage.to_address)).all() == ["first@example.org"]
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    deleted = db.session.scalar(select(Event).where(Event.action == "user.deleted"))
    assert deleted.subject_id == str(owner_id) and deleted.actor_id is None
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.actor_id == owner_id)) == 0
    assert db.session.scalar(
        select(func.count()).select_from(Event).where(Event.subject_type == "users", Event.subject_id == str(owner_id))
    ) >= 3


def test_delete_account_leaves_another_owner_in_charge(ctx):
    owner = register_user("Olu Owner", "owner@example.org", PASSWORD)
    organisation = _organisation(owner)
    co_owner = register_user("Co Owner", "co@example.org", PASSWORD)
    member = register_user("Mo Member", "mo@example.org", PASSWORD)
    db.session.add(Membership(organisation_id=organisation.id, user_id=member.id))
    db.session.flush()
    db.session.add(Membership(organisation_id=organisation.id, user_id=co_owner.id, is_owner=True))
    db.session.commit()
    delete_account(owner)
    db.session.commit()
    owners = {m.user_id: m.is_owner for m in db.session.scalars(select(Membership))}
    assert owners == {member.id: False, co_owner.id: True}


def test_delete_account_of_a_member_changes_no_ownership(ctx):
    owner = register_user("Olu Owner", "owner@example.org", PASSWORD)
    organisation = _organisation(owner)
    member = register_user("Mo Member", "mo@example.org", PASSWORD)
    db.session.add(Membership(organisation_id=organisation.id, user_id=member.id))
    db.session.commit()
    delete_account(member)
    db.session.commit()
    owners = {m.user_id: m.is_owner for m in db.session.scalars(select(Membership))}
    assert owners == {owner.id: True}
    assert db.session.scalar(
        select(func.count()).select_from(Event).where(Event.action == "organisation.member_left")
    ) == 0


def test_the_only_admin_cannot_be_deleted(ctx):
    admin = register_user("Ada Admin", "ada@example.org", PASSWORD, role=Role.ADMIN)
    register_user("Olu Officer", "olu@example.org", PASSWORD, role=Role.OFFICER)
    db.session.commit()
    with pytest.raises(DomainError, match="only administrator"):
        delete_account(admin)
    db.session.rollback()
    assert db.session.get(User, admin.id) is not None
    register_user("Second Admin", "ada2@example.org", PASSWORD, role=Role.ADMIN)
    delete_account(admin)
    db.session.commit()
    assert find_user_by_email("ada@example.org") is None
