"""Error pages: the same 404 for a foreign object and a missing one; 503 while the database or the disk fails."""
from __future__ import annotations

import errno

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import InternalServerError

from portal.i18n import N_

# Failures of the service, not of the request: the same request may succeed a little later.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                        sa_exc.TimeoutError)
DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
RETRY_AFTER_SECONDS = 30


def cause(exc: BaseException) -> str | None:
    """"database" or "disk" when `exc` (or what it wraps) means the service cannot store anything now, else None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DATABASE_UNAVAILABLE) or (isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated):
            return "database"
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            return "disk"
        exc = getattr(exc, "original_exception", None) or exc.__cause__ or exc.__context__
    return None


def unavailable(exc: BaseException, what: str):
    """503 with a page that tells the truth about the user's data and asks to try again; touches no database
    (not even the logged-in user), so it renders while the database is down."""
    from portal.db import committed_state

    state = committed_state()
    # The driver's own first line (e.g. "the database system is shutting down"), never SQL or its parameters.
    reason = str(getattr(exc, "orig", None) or getattr(exc, "strerror", None) or "").strip().splitlines()[:1]
    current_app.logger.error("503 (%s unavailable, data %s): %s %s", what, state, type(exc).__name__, "".join(reason))
    # Straight from the Jinja environment: render_template's context processors would load the logged-in user.
    html = current_app.jinja_env.get_template("errors/unavailable.html").render(
        what=what, state=state, request=request, current_locale=str(get_locale()))
    response = current_app.make_response((html, 503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app) -> None:
    def page(code: int, title: str, detail: str = ""):
        return render_template("errors/error.html", code=code, title=title, detail=detail), code

    app.register_error_handler(403, lambda e: page(403, N_("无权访问"), N_("您的角色不能执行此操作。")))
    app.register_error_handler(404, lambda e: page(404, N_("页面不存在"), N_("该页面或对象不存在。")))
    app.register_error_handler(429, lambda e: page(429, N_("尝试过于频繁"), N_("请稍后再试。")))
    app.register_error_handler(CSRFError, lambda e: page(400, N_("请求已失效"), N_("表单已过期或缺少安全令牌，请刷新页面后重试。")))

    def service_failure(exc):
        what = cause(exc)
        if what is None:
            raise exc  # not a service failure: the ordinary 500
        return unavailable(exc, what)

    for kind in DATABASE_UNAVAILABLE + (sa_exc.DBAPIError, OSError):
        app.register_error_handler(kind, service_failure)

    @app.errorhandler(InternalServerError)
    def internal_error(exc):
        # Reached for errors outside the view too (e.g. in after_request): a database or disk failure is still a 503.
        what = cause(exc)
        if what is not None:
            return unavailable(exc, what)
        return exc
