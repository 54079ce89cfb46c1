"""`GET /health` reports each part the api relies on."""

from tests.support.ports import unused_port


def test_all_parts_up(make_client, fake_rasa, fake_actions):
    response = make_client(rasa_url=fake_rasa.url, actions_url=fake_actions.url).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"rasa": "ok", "actions": "ok", "redis": "ok",
                                                          "database": "ok"}}


def test_rasa_and_actions_down(make_client):
    response = make_client(rasa_url=f"http://127.0.0.1:{unused_port()}",
                           actions_url=f"http://127.0.0.1:{unused_port()}").get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "checks": {"rasa": "down", "actions": "down",
                                                                "redis": "ok", "database": "ok"}}


def test_redis_down(make_client, fake_rasa, fake_actions):
    response = make_client(rasa_url=fake_rasa.url, actions_url=fake_actions.url,
                           redis_port=unused_port()).get("/health")
    assert response.status_code == 503
    assert response.json()["checks"] == {"rasa": "ok", "actions": "ok", "redis": "down", "database": "ok"}


def test_rasa_without_a_model_yet_is_down(make_client, fake_rasa, fake_actions):
    """Rasa pulls its model from the api at start; until it has one, its
    /status answers 409 and the stack is not ready."""
    client = make_client(rasa_url=fake_rasa.url, actions_url=fake_actions.url, rasa_token="rasa-token")
    assert client.get("/health").json()["checks"]["rasa"] == "ok"
    fake_rasa.status = 409
    assert client.get("/health").json()["checks"]["rasa"] == "down"


def test_ready_and_live_do_not_wait_for_rasa(make_client):
    """Kubernetes' probes: with Rasa and the action server down the api stays
    in the load balancer (it still shows the chat page and takes texts in)."""
    client = make_client(rasa_url=f"http://127.0.0.1:{unused_port()}",
                         actions_url=f"http://127.0.0.1:{unused_port()}")
    assert client.get("/health/live").status_code == 200
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"redis": "ok", "database": "ok"}}


def test_not_ready_without_redis(make_client, fake_rasa, fake_actions):
    client = make_client(rasa_url=fake_rasa.url, actions_url=fake_actions.url, redis_port=unused_port())
    assert client.get("/health/live").status_code == 200
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"redis": "down", "database": "ok"}
