"""A budget or goal read whose shard does not exist (as right after a restart) is a 503, and the
readiness answer says which actor it waits for; a budget or goal created meanwhile is saved (202,
with where to read it), so a retry finds it instead of making another."""

import httpx
import ray

from actors import ledger_shard, naming
from actors.ownership import Ownership
from serve.system import RunningSystem
from tests.e2e.identity import create_budget, signup_and_login
from tests.eventually import eventually


async def test_a_read_while_its_shard_is_gone_is_a_503_then_answers_again(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    account = await signup_and_login(api)
    budget = await create_budget(api, account, category="rent", limit="500")
    spent = await api.post(
        "/api/transaction",
        headers=account.auth,
        json={"amount": "30", "type": "expense", "category": "rent"},
    )
    assert spent.status_code == 201, spent.text
    ready = await api.get("/api/ready")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    settings = system.settings
    index = Ownership.of(settings).shard_of(account.id)
    name = naming.ledger_shard(index)
    ray.kill(ray.get_actor(name, namespace=naming.NAMESPACE), no_restart=True)

    async def name_released() -> bool:
        return name not in {a["name"] for a in ray.util.list_named_actors(all_namespaces=True)}

    await eventually(name_released)
    # The gateway first holds a handle to the dead shard, then finds no shard of that name.
    for path in (f"/api/budget/{budget}", "/api/budget", "/api/goal"):
        response = await api.get(path, headers=account.auth)
        assert response.status_code == 503, (path, response.text)
        assert response.headers["Retry-After"] == "1"
        assert response.json() == {"detail": "the ledger is starting or restarting; retry shortly"}
    saved = await api.post(
        "/api/budget",
        headers=account.auth,
        json={"category": "fun", "limit": "50", "period": "monthly"},
    )
    assert saved.status_code == 202, saved.text
    assert saved.headers["Location"].startswith("/api/budget/")
    retried = await api.post(
        "/api/budget",
        headers=account.auth,
        json={"category": "fun", "limit": "50", "period": "monthly"},
    )
    assert retried.status_code == 409, retried.text
    assert retried.headers["Location"] == saved.headers["Location"]
    goal = await api.post(
        "/api/goal", headers=account.auth, json={"name": "Bike", "target_amount": "300"}
    )
    assert goal.status_code == 202, goal.text
    starting = await api.get("/api/ready")
    assert starting.status_code == 503 and starting.headers["Retry-After"] == "1"
    assert starting.json() == {"status": "starting", "waiting_for": [name]}

    restarted = ledger_shard.start(settings.model_copy(update={"jwt_private_key": None}))
    # Held for the session as `up` holds its actors: Ray ends an actor nobody holds a handle to.
    system.actors += restarted
    await restarted[index].ready.remote()

    async def answers() -> bool:
        return (await api.get(f"/api/budget/{budget}", headers=account.auth)).status_code == 200

    await eventually(answers)
    assert (await api.get("/api/ready")).json() == {"status": "ready"}
    shown = (await api.get(f"/api/budget/{budget}", headers=account.auth)).json()
    assert (shown["spent"], shown["remaining"]) == ("30.00", "470.00")
    fun = (await api.get(saved.headers["Location"], headers=account.auth)).json()
    assert (fun["category"], fun["limit"], fun["spent"]) == ("fun", "50.00", "0.00")
    bike = (await api.get(goal.headers["Location"], headers=account.auth)).json()
    assert (bike["name"], bike["target_amount"]) == ("Bike", "300.00")
