"""
Accounts: creating them, and refusing usernames that look like another's.

Two usernames are too close when their confusable skeletons are equal: the
skeleton of Unicode TR39 (each character replaced by the prototype of its
class of lookalikes, from Unicode's confusables data as the
confusable-homoglyphs package ships it), with letter case folded, so that
`maya`, `Maya`, `mаya` (a Cyrillic а) and `rnaya` share one. Each account
holds the digest of its skeleton in `UsernameSkeleton`, unique in the
database, so two sign-ups can never both take lookalike names.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cache

from confusable_homoglyphs.utils import load
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..models import UsernameSkeleton

User = get_user_model()

USERNAME_TAKEN = "That username is taken."
USERNAME_TOO_CLOSE = "That username is too close to an existing one. Please choose another."

# A round maps characters to prototypes, then folds case, which can open a
# new mapping (the prototype of the digit 0 is O, whose lower case is o);
# every character of Unicode settles within a few rounds.
_MAX_ROUNDS = 8
# confusable-homoglyphs keeps right-to-left characters between these marks.
_LEFT_TO_RIGHT_MARK = "\u200e"


def _unwrap(text: str) -> str:
    if len(text) > 2 and text[0] == text[-1] == _LEFT_TO_RIGHT_MARK:
        return text[1:-1]
    return text


@cache
def _prototypes() -> dict[str, str]:
    """
    Each confusable character's prototype: what its class of lookalikes is
    written as in a skeleton (one character or a sequence: `m` is `rn`).

    confusable-homoglyphs stores confusables.txt as a symmetric table, each
    character with all it may be confused with. In confusables.txt every
    character of a class maps to the class's one prototype, so each class
    is a star around it: the member with most neighbours, or the sequence.
    In a class of two characters either can stand for both.
    """
    neighbours: dict[str, set[str]] = {}
    for character, homoglyphs in load("confusables.json").items():
        for homoglyph in homoglyphs:
            a, b = _unwrap(character), _unwrap(homoglyph["c"])
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)

    def rank(member: str):
        return (len(member) > 1, len(neighbours[member]), member == member.casefold(), -ord(member[0]))

    prototypes: dict[str, str] = {}
    seen: set[str] = set()
    for start in neighbours:
        if start in seen:
            continue
        seen.add(start)
        members, stack = [], [start]
        while stack:
            member = stack.pop()
            members.append(member)
            for other in neighbours[member] - seen:
                seen.add(other)
                stack.append(other)
        prototype = max(members, key=rank)
        for member in members:
            if len(member) == 1 and member != prototype:
                prototypes[member] = prototype
    return prototypes


def username_skeleton(username: str) -> str:
    """
    The confusable skeleton of `username`: compatibility-decomposed (NFKD),
    each character replaced by its prototype and the case folded, until
    nothing changes. Equal skeletons mean names that can pass for each other.
    """
    prototypes = _prototypes()
    text = unicodedata.normalize("NFKD", username)
    for _ in range(_MAX_ROUNDS):
        mapped = unicodedata.normalize("NFKD", "".join(prototypes.get(c, c) for c in text).casefold())
        if mapped == text:
            break
        text = mapped
    return unicodedata.normalize("NFC", text)


def skeleton_digest(username: str) -> str:
    """What `UsernameSkeleton.digest` stores for `username`: the SHA-256 of its skeleton, in hex."""
    return hashlib.sha256(username_skeleton(username).encode()).hexdigest()


def check_username(username: str) -> None:
    """
    Refuse (ValidationError) a username that an account has in any letter
    case, or one whose skeleton an account holds. The database has the last
    word when two sign-ups race (`account_create`).
    """
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(USERNAME_TAKEN, code="unique")
    if UsernameSkeleton.objects.filter(digest=skeleton_digest(username)).exists():
        raise ValidationError(USERNAME_TOO_CLOSE, code="confusable")


def account_create(*, username: str, password: str, email: str = ""):
    """
    Create an account with its username's skeleton, in one transaction, and
    return the user. When a concurrent sign-up took the same name, or one
    too close to it, first, the database's unique constraints refuse this
    one and nothing is created: raises ValidationError (USERNAME_TAKEN or
    USERNAME_TOO_CLOSE).
    """
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            # `community.signals` claimed the skeleton, unless an account holds it.
            if not UsernameSkeleton.objects.filter(user=user).exists():
                raise ValidationError(USERNAME_TOO_CLOSE, code="confusable")
    except IntegrityError as exc:
        raise ValidationError(USERNAME_TAKEN, code="unique") from exc
    return user


def username_skeleton_sync(*, user, created: bool) -> bool:
    """
    Give `user` the skeleton of its current username, unless another account
    holds it; returns whether `user` holds it now. Runs in a savepoint, so a
    refusal leaves the caller's transaction usable: an account the admin or
    the shell makes or renames into a lookalike keeps its old skeleton, or
    none.
    """
    digest = skeleton_digest(user.get_username())
    try:
        with transaction.atomic():
            if created or not UsernameSkeleton.objects.filter(user=user).update(digest=digest):
                UsernameSkeleton.objects.create(user=user, digest=digest)
    except IntegrityError:
        return False
    return True


def username_skeletons_fill(*, user_model=None, skeleton_model=None, batch_size: int = 2000) -> int:
    """
    Give every account without a skeleton row its skeleton, oldest account
    first, skipping a skeleton another account already holds: for accounts
    made in bulk (which sends no signals) and for the migration that added
    skeletons (which passes its historical models). Returns the rows made.
    """
    user_model = user_model or User
    skeleton_model = skeleton_model or UsernameSkeleton
    held = set(skeleton_model.objects.values_list("digest", flat=True))
    missing = (
        user_model.objects.exclude(pk__in=skeleton_model.objects.values("user_id"))
        .order_by("pk")
        .values_list("pk", getattr(user_model, "USERNAME_FIELD", "username"))
    )
    rows = []
    for pk, username in missing.iterator(chunk_size=batch_size):
        digest = skeleton_digest(username)
        if digest not in held:
            held.add(digest)
            rows.append(skeleton_model(user_id=pk, digest=digest))
    # A sign-up during the fill may claim one of these first; it keeps it.
    skeleton_model.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    return len(rows)


def account_email_set(*, user, email: str) -> None:
    """Give the account `email` (empty: no address, so no password resets by e-mail)."""
    user.email = email
    user.save(update_fields=["email"])


@transaction.atomic
def account_delete(*, user) -> None:
    """
    Delete an account at its owner's request. Their posts go, each with its
    whole discussion (`services.posts.post_delete`); their comments on other
    people's posts stay in place, with no author, read as "[deleted
    account]" (`Comment.author` is SET_NULL), so replies keep their context;
    the likes they gave and received go with the account.
    """
    from ..models import Post
    from .posts import post_delete

    for post in Post.objects.filter(author=user).order_by("pk").iterator(chunk_size=200):
        post_delete(post=post)
    user.delete()
