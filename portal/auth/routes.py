"""Login, logout, password change, language, and account administration."""
import re
from urllib.parse import unquote, urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlmodel import select

from portal.audit import services as audit
from portal.auth import services
from portal.auth.forms import ChangePasswordForm, LoginForm, UserForm
from portal.auth.models import User
from portal.auth.services import account_bureaus, account_operators
from portal.scoping import roles_required, scoped
from portal.db import get_session
from portal.extensions import limiter
from portal.forms import form_data
from portal.htmx import render
from portal.paging import page_of, search_terms

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    """Rate-limit key for one account name tried from one address: failing on purpose from elsewhere cannot
    lock the account's owner out (the per-address limit bounds guessing across accounts)."""
    return f"account:{(request.form.get('username') or '').strip().lower()[:60]}|{request.remote_addr}"


def _failed(response) -> bool:
    """Only refused logins count against the limits: a user who logs in and out is never limited."""
    return response.status_code == 401


def _safe_next(target: str | None) -> str:
    """Only a path on this site: browsers drop tabs and newlines, so "/\t/evil" would become "//evil"."""
    if not target or re.search(r"[\x00-\x20\\]", target + unquote(target)):
        return url_for("home.index")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], key_func=_account_key,
               deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        if services.login_throttled(form.username.data, request.remote_addr, current_app.config):
            abort(429)
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append(_("用户名或密码错误"))
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session on login: nothing carried over from before
            if lang:
                session["lang"] = lang
            login_user(user)
            services.start_session_clock(session)
            return redirect(_safe_next(request.args.get("next")))
    return render("auth/login.html", form=form, status=200 if not form.errors else 401)


@bp.post("/logout")
@login_required
def logout():
    services.logout(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not services.verify_password(user, form.current_password.data):
            form.current_password.errors.append(_("当前密码不正确"))
        else:
            services.change_password(user, form.new_password.data)
            login_user(user)  # this browser continues with the new token; every other session ends
            flash(_("密码已修改，其他设备上的登录已失效"), "success")
            return redirect(url_for("home.index"))
    return render("auth/password.html", form=form)


@bp.post("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))


# --- account administration -----------------------------------------------------------------

def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    db = get_session()
    bureaus = db.exec(account_bureaus()).all()
    operators = db.exec(account_operators()).all()
    none = [(0, "—")]
    form.bureau_id.choices = none + [(b.id, b.name) for b in bureaus]
    form.operator_id.choices = none + [(o.id, o.name) for o in operators]
    if not form.is_submitted():
        form.bureau_id.data = (user.bureau_id if user else current_user.bureau_id) or 0
        form.operator_id.data = (user.operator_id or 0) if user else 0
    return form


def _binding(form: UserForm) -> dict:
    """Bind the account as its role requires; a bureau admin can only create within its bureau."""
    role = form.role.data
    bureau_id = form.bureau_id.data or None
    if not current_user.is_platform_admin and role != "operator":
        bureau_id = current_user.bureau_id
    return {
        "role": role,
        "bureau_id": None if role == "operator" else bureau_id,
        "operator_id": form.operator_id.data or None if role == "operator" else None,
    }


@bp.get("/users")
@roles_required("admin")
def list_users():
    """The accounts, a page at a time, searched by username or name (in the URL)."""
    query = scoped(User)
    if q := search_terms():
        query = query.where(User.username.contains(q, autoescape=True) | User.display_name.contains(q, autoescape=True))
    page = page_of(query.order_by(User.id))
    return render("auth/users.html", users=page.items, page=page, q=q)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def create_user():
    form = _user_form(None)
    if form.validate_on_submit():
        db = get_session()
        if db.exec(select(User.id).where(User.username == form.username.data)).first():
            form.username.errors.append(_("用户名已被使用"))
        elif not form.password.data:
            form.password.errors.append(_("新账号需要初始密码"))
        else:
            user = User(**form_data(form, "username", "display_name", "email", "active"), **_binding(form),
                        password_hash=services.hash_password(form.password.data))
            db.add(user)
            db.flush()
            audit.record("create_user", user, bureau_id=user.bureau_id or current_user.bureau_id)
            db.commit()
            flash(_("已创建账号 %(name)s", name=user.username), "success")
            return redirect(url_for(".list_users"))
    return render("auth/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    from portal.scoping import get_or_404

    user = get_or_404(User, user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        db = get_session()
        taken = db.exec(select(User.id).where(User.username == form.username.data, User.id != user.id)).first()
        if taken:
            form.username.errors.append(_("用户名已被使用"))
        else:
            before = audit.snapshot(user)
            was_active = user.active
            for key, value in {**form_data(form, "username", "display_name", "email", "active"),
                               **_binding(form)}.items():
                setattr(user, key, value)
            if form.password.data:
                user.password_hash = services.hash_password(form.password.data)
                services.end_sessions(user)
            if not user.active:
                services.end_sessions(user)
            # Each kind of change is its own line, under the acting bureau when the account has none.
            actions = ["update_user"]
            if form.password.data:
                actions.append("reset_password")
            if was_active and not user.active:
                actions.append("disable_user")
            for action in actions:
                audit.record(action, user, before=before, bureau_id=user.bureau_id or current_user.bureau_id)
            db.commit()
            flash(_("已保存"), "success")
            return redirect(url_for(".list_users"))
    return render("auth/user_form.html", form=form, user=user)
