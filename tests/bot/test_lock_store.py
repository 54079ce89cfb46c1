"""The conversation lock shared by the Rasa replicas (bot/lock_store.py),
loaded from endpoints.yml as `rasa run` loads it, on a real Redis (the
database TEST_REDIS_DB). Two store objects stand for two replicas."""
import asyncio
import time

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import read_endpoint_config

from bot.lock_store import ReplicaSafeRedisLockStore

CONVERSATION = "cd" * 32 + "-0123456789abcdef"


@pytest.fixture
def replicas(raw_redis):
    """Two lock stores on one Redis, each built from endpoints.yml."""
    config = read_endpoint_config("endpoints.yml", "lock_store")
    return [LockStore.create(config), LockStore.create(config)]


def test_endpoints_yml_gives_rasa_the_replica_safe_lock(replicas):
    assert all(isinstance(store, ReplicaSafeRedisLockStore) for store in replicas)


async def turn(store, conversation, name, seconds, log, lifetime=15.0):
    async with store.lock(conversation, lock_lifetime=lifetime):
        log.append(("start", name, time.monotonic()))
        await asyncio.sleep(seconds)
        log.append(("end", name, time.monotonic()))


def one_at_a_time_in_order(log):
    """The names in the order they ran, failing if two overlapped."""
    running, order = None, []
    for event, name, _ in log:
        if event == "start":
            assert running is None, f"{name} started while {running} was still running"
            running = name
            order.append(name)
        else:
            assert running == name
            running = None
    return order


def test_turns_of_one_conversation_run_one_at_a_time_in_order_across_replicas(replicas):
    async def main():
        log = []
        tasks = []
        for index in range(8):  # messages alternate between the two replicas, as behind a load balancer
            tasks.append(asyncio.create_task(turn(replicas[index % 2], CONVERSATION, f"m{index}", 0.05, log)))
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        return log

    assert one_at_a_time_in_order(asyncio.run(main())) == [f"m{index}" for index in range(8)]


def test_a_turn_slower_than_the_lock_lifetime_keeps_the_lock(replicas):
    # Rasa's own Redis lock lets a ticket lapse a lifetime after it was
    # issued, whatever its turn is doing: the next message would run beside it.
    async def main():
        log = []
        slow = asyncio.create_task(turn(replicas[0], CONVERSATION, "slow", 3.0, log, lifetime=1.0))
        await asyncio.sleep(0.2)
        await asyncio.gather(slow, turn(replicas[1], CONVERSATION, "next", 0.0, log, lifetime=1.0))
        return log

    assert one_at_a_time_in_order(asyncio.run(main())) == ["slow", "next"]


def test_a_dead_replicas_lock_lapses_after_the_lifetime(replicas):
    dead, alive = replicas

    async def died_mid_turn():
        # A replica that took the lock and then stopped (SIGKILL): nothing
        # releases it and nothing renews it.
        context = dead.lock(CONVERSATION, lock_lifetime=1.0)
        await context.__aenter__()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()  # its renewal stops, as the process has
        return context  # kept, so nothing closes it (a dead process runs no `finally`)

    async def main():
        held = await died_mid_turn()  # noqa: F841
        started = time.monotonic()
        log = []
        await turn(alive, CONVERSATION, "after", 0.0, log, lifetime=1.0)
        return time.monotonic() - started

    waited = asyncio.run(main())
    assert 0.5 <= waited < 3.0, waited


def test_other_conversations_do_not_wait(replicas):
    async def main():
        log = []
        slow = asyncio.create_task(turn(replicas[0], CONVERSATION, "slow", 1.5, log))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await turn(replicas[1], "ef" * 32 + "-0123456789abcdef", "other", 0.0, log)
        elapsed = time.monotonic() - started
        await slow
        return elapsed

    assert asyncio.run(main()) < 1.0


def test_nothing_named_after_the_conversation_stays_in_redis_between_turns(replicas, raw_redis):
    # A family who asks for their data to be deleted must leave no key behind.
    async def main():
        await asyncio.gather(turn(replicas[0], CONVERSATION, "a", 0.05, []),
                             turn(replicas[1], CONVERSATION, "b", 0.05, []))

    asyncio.run(main())
    assert not list(raw_redis.scan_iter(f"*{CONVERSATION}*"))


def test_nothing_is_left_locked_after_a_turn_that_failed(replicas):
    async def failing():
        async with replicas[0].lock(CONVERSATION):
            raise RuntimeError("the turn failed")

    async def main():
        with pytest.raises(RuntimeError):
            await failing()
        started = time.monotonic()
        await turn(replicas[1], CONVERSATION, "next", 0.0, [])
        return time.monotonic() - started

    assert asyncio.run(main()) < 1.0
    assert not replicas[0].is_someone_waiting(CONVERSATION)


def test_redis_down_is_a_lock_error_not_a_hang():
    store = ReplicaSafeRedisLockStore(host="127.0.0.1", port=9, key_prefix="familyhub")

    async def main():
        async with store.lock(CONVERSATION):
            pass

    with pytest.raises(LockError):
        asyncio.run(main())
