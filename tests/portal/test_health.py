from portal import create_app


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(app_config, tmp_path):
    url = ("postgresql+psycopg2://nobody@127.0.0.1:9/none?connect_timeout=2"
           if app_config["DATABASE_URL"].startswith("postgresql")
           else f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite3'}")
    app = create_app({**app_config, "DATABASE_URL": url})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
