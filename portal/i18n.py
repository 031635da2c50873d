"""`N_` marks a string for extraction into the catalogs without translating it where it is defined:
labels kept in model dictionaries are translated where they are shown, with `_(label)`."""
from flask import g
from flask_babel import get_translations


def N_(text: str) -> str:
    return text


def _translations():
    """The current request's catalog, kept on `g` for as long as its locale object stays the same.

    Flask-Babel's own template callables look the domain, the locale and the catalog cache up again on every
    string (≈ 18 µs each, and a page shows hundreds); force_locale() and refresh() replace or drop the locale
    object, so keying on it follows them."""
    here = g._get_current_object().__dict__  # one context lookup, then plain dictionaries
    locale = getattr(here.get("_flask_babel"), "babel_locale", None)
    cached = here.get("_kaohe_translations")
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    here["_kaohe_translations"] = (getattr(here.get("_flask_babel"), "babel_locale", None), translations)
    return translations


def install_template_gettext(app) -> None:
    """The templates' _()/gettext/ngettext (newstyle, as Flask-Babel installs them) through `_translations`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
