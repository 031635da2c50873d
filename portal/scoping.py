"""Tenancy, enforced in one place. Every query for a tenant's object goes through `scoped()`.

An operator user reaches only its operator's objects, a bureau user only its bureau's; a platform
admin (an admin bound to no bureau) reaches everything. A foreign object is indistinguishable
from a missing one: both answer 404.

This module is the mechanism and knows no domain: the rule for each model is written in
`portal/tenancy.py` (all of them, in one file), which registers them when the app is created. A model
without a rule raises, so a forgotten one fails closed.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required
from sqlmodel import SQLModel, select

from portal.db import get_session

T = TypeVar("T", bound=SQLModel)

NOTHING = sa.false()
EVERYTHING = sa.true()

# model -> rule(user) -> SQL condition; filled by portal/tenancy.py (register_rules)
RULES: dict[type, Callable] = {}


def register_rules(rules: dict[type, Callable]) -> None:
    RULES.update(rules)


def visible(model: type, user=None):
    """The SQL condition for the rows of `model` that `user` (default: the current user) may reach."""
    user = user if user is not None else current_user
    if not user or not user.is_authenticated:
        return NOTHING
    if user.is_platform_admin:
        return EVERYTHING
    try:
        rule = RULES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no tenancy rule in portal/tenancy.py") from None
    return rule(user)


def scoped(model: type[T], user=None):
    """`select(model)` restricted to what the user may see."""
    return select(model).where(visible(model, user))


def get_or_404(model: type[T], pk: int, user=None) -> T:
    """Load one object through the scope; a foreign object answers 404 exactly like a missing one."""
    if not isinstance(pk, int) or not 0 < pk < 2**31:  # an id no row can have (and no overflow in SQL)
        abort(404)
    obj = get_session().exec(scoped(model, user).where(model.id == pk)).first()
    if obj is None:
        abort(404)
    return obj


def roles_required(*roles: str):
    """Route decorator: the user must be logged in and hold one of `roles` (else 403, for any id)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def bureau_scope_id() -> int | None:
    """The bureau the current user acts for (None for a platform admin or an operator)."""
    return current_user.bureau_id if current_user.is_authenticated else None
