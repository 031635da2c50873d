"""Error pages: the same 404 for a foreign object and a missing one."""
from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError

from portal.i18n import N_


def init_app(app) -> None:
    def page(code: int, title: str, detail: str = ""):
        return render_template("errors/error.html", code=code, title=title, detail=detail), code

    app.register_error_handler(403, lambda e: page(403, N_("无权访问"), N_("您的角色不能执行此操作。")))
    app.register_error_handler(404, lambda e: page(404, N_("页面不存在"), N_("该页面或对象不存在。")))
    app.register_error_handler(429, lambda e: page(429, N_("尝试过于频繁"), N_("请稍后再试。")))
    app.register_error_handler(CSRFError, lambda e: page(400, N_("请求已失效"), N_("表单已过期或缺少安全令牌，请刷新页面后重试。")))
