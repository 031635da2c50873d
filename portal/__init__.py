"""Kaohe (考核): the web portal. `create_app()` builds it; blueprints are registered explicitly."""
from __future__ import annotations

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from portal import config, db, jobs
from portal.extensions import babel, csrf, limiter, login_manager
from portal.extensions import htmx as htmx_extension

# Chinese by default (msgids are Chinese); English from portal/translations.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def select_locale() -> str:
    from flask import current_app

    if request.path.startswith("/public"):  # a public page's language is in its URL (cacheable per URL)
        asked = request.args.get("lang")
        if asked in current_app.config["LANGUAGES"]:
            return asked
    wanted = session.get("lang")
    if wanted in current_app.config["LANGUAGES"]:
        return wanted
    return request.accept_languages.best_match(list(current_app.config["LANGUAGES"])) or "zh"


class IdConverter(IntegerConverter):
    """`<int:…>` in every URL: an id the database can hold (INTEGER), else 404 like any missing object,
    never an overflow inside a query (/contracts/99999999999999999999)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    app.url_map.converters["int"] = IdConverter
    config.load_config(app, test_config)

    if app.config["PROXY_HOPS"] > 0:  # behind nginx: the client's address and scheme, from trusted hops only
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    jobs.init_app(app)
    # Every domain's tasks, in every process (web, consumer, tests): a task or handler is known by its name.
    import portal.compliance.tasks  # noqa: F401
    import portal.ledgers.tasks  # noqa: F401
    import portal.notifications.tasks  # noqa: F401
    import portal.payments.tasks  # noqa: F401
    csrf.init_app(app)
    htmx_extension.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    from portal.i18n import install_template_gettext

    install_template_gettext(app)  # the same catalogs, looked up once per request (issue #16)
    from portal.urls import url_for as shaped_url_for

    app.jinja_env.globals["url_for"] = shaped_url_for  # links of ids by their shape (issue #16)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.session_protection = "basic"

    from portal.auth.services import load_user

    login_manager.user_loader(load_user)

    from portal.applications.routes import bp as applications_bp
    from portal.activities.routes import bp as activities_bp
    from portal.assessment.routes import bp as assessment_bp
    from portal.audit.routes import bp as audit_bp
    from portal.auth.routes import bp as auth_bp
    from portal.violations.routes import bp as violations_bp
    from portal.consequences.routes import bp as consequences_bp
    from portal.contracts.routes import bp as contracts_bp
    from portal.findings.routes import bp as findings_bp
    from portal.home.routes import bp as home_bp
    from portal.ledgers.routes import bp as ledgers_bp
    from portal.notifications.routes import bp as notifications_bp
    from portal.organisations.routes import bp as organisations_bp
    from portal.publication.routes import bp as publication_bp
    from portal.payments.routes import bp as payments_bp
    from portal.reporting.routes import bp as reporting_bp
    from portal.schemes.routes import bp as schemes_bp

    for bp in (home_bp, auth_bp, organisations_bp, contracts_bp, reporting_bp, violations_bp, notifications_bp, assessment_bp, ledgers_bp, audit_bp,
               applications_bp, findings_bp, activities_bp, payments_bp, consequences_bp, publication_bp, schemes_bp):
        app.register_blueprint(bp)

    from portal import cli, errors, explain, filters, tenancy  # noqa: F401 (importing tenancy registers every model's rule)

    errors.init_app(app)
    filters.init_app(app)
    explain.init_app(app)
    from portal.schemes import services as scheme_services

    scheme_services.init_app(app)
    from portal.contracts import services as contract_services

    contract_services.init_app(app)
    cli.init_app(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: keep browsers on it
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Nothing behind a login is kept by browsers or proxies: pages, errors.xlsx, CSV, JSON, evidence.
        # The public results (/public) and static files may be cached.
        if not request.path.startswith(("/public", "/static/")):
            response.headers["Cache-Control"] = "no-store"  # also over send_file's "no-cache" (evidence files)
        elif response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.before_request
    def _session_lifetimes():
        from flask import flash, redirect, url_for
        from flask_login import current_user, logout_user

        from portal.auth.services import session_expired

        if request.endpoint in ("static", None) or not current_user.is_authenticated:
            return None
        if session_expired(session, app.config):
            lang = session.get("lang")
            logout_user()
            session.clear()
            if lang:
                session["lang"] = lang
            flash(_l("登录已超时，请重新登录。"), "info")
            target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
            if request.headers.get("HX-Request"):
                response = app.response_class(status=401)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target)
        return None

    @app.context_processor
    def _globals():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}

    return app
