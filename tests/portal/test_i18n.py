from tests.conftest import csrf_token, login


def test_chinese_by_default_and_english_on_request(app, world):
    client = app.test_client()
    assert "登录" in client.get("/login").get_data(as_text=True)
    token = csrf_token(client)
    client.post("/lang/en", data={"csrf_token": token, "next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert "Log in" in html and 'lang="en"' in html
    login(client, "t1-operator")
    home = client.get("/").get_data(as_text=True)
    assert "Contracts" in home, "the choice survives logging in"


def test_unknown_language_is_404(client):
    token = csrf_token(client)
    assert client.post("/lang/xx", data={"csrf_token": token}).status_code == 404
