"""The server's limits as pure objects, at fixed times: token buckets, the door, the open-file budget."""

from __future__ import annotations

import logging

from server.door import AcceptErrorLog, Door, DoorConfig, plan_capacity
from server.ratelimit import Rate, RateLimiter, TokenBucket

# --- the token bucket ----------------------------------------------------------------------------


def test_a_full_bucket_allows_exactly_its_burst_at_once():
    bucket = TokenBucket(capacity=20, rate=10)
    assert [bucket.allow(100.0) for _ in range(21)] == [True] * 20 + [False]


def test_the_bucket_refills_at_its_rate_and_no_faster():
    bucket = TokenBucket(capacity=20, rate=10)
    for _ in range(20):
        bucket.allow(0.0)
    assert not bucket.allow(0.05)  # half a token
    assert bucket.allow(0.1)  # one token after 0.1 s at 10 a second
    assert not bucket.allow(0.1)
    allowed = sum(bucket.allow(0.1 + n / 100) for n in range(1, 101))  # one second, 100 tries
    assert allowed == 10


def test_an_idle_sender_never_saves_up_more_than_the_burst():
    bucket = TokenBucket(capacity=20, rate=10)
    bucket.allow(0.0)
    allowed = sum(bucket.allow(3600.0) for _ in range(100))  # an hour idle
    assert allowed == 20


def test_refused_in_a_row_starts_again_after_an_allowed_message():
    bucket = TokenBucket(capacity=1, rate=1)
    assert bucket.allow(0.0)
    assert not bucket.allow(0.0) and not bucket.allow(0.0)
    assert bucket.refused_in_a_row == 2
    assert bucket.allow(1.0)
    assert bucket.refused_in_a_row == 0  # a chair limited now and then is never closed for it
    assert not bucket.allow(1.0)
    assert bucket.refused_in_a_row == 1


def test_a_clock_that_steps_back_gives_no_tokens():
    bucket = TokenBucket(capacity=2, rate=1)
    bucket.allow(10.0)
    bucket.allow(10.0)
    assert not bucket.allow(5.0)
    assert not bucket.allow(10.5)  # still half a token short: the step back did not reset the time


def test_one_bucket_per_key_shared_by_every_connection_of_a_delegation():
    limiter = RateLimiter(Rate(burst=3, per_second=1))
    assert [limiter.allow("CHN", 0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("USA", 0.0)  # another delegation has its own share
    assert limiter.bucket("CHN") is limiter.bucket("CHN")


def test_anonymous_buckets_are_forgotten_once_full_again_and_only_then():
    limiter = RateLimiter(Rate(burst=2, per_second=1))
    limiter.allow("127.0.0.2", 0.0)
    limiter.allow("127.0.0.2", 0.0)
    limiter.allow("127.0.0.3", 0.0)
    limiter.forget_idle(1.0)  # .2 has 1 of 2 back, .3 is full
    assert len(limiter) == 1
    limiter.forget_idle(2.0)
    assert len(limiter) == 0


# --- the door --------------------------------------------------------------------------------------


def test_the_door_closes_the_oldest_waiting_connection_first():
    door = Door(DoorConfig(pending_max=3, pending_per_address=10))
    for name in "abc":
        assert door.arrive(name, "127.0.0.2") == (True, [])
    assert door.arrive("d", "127.0.0.1") == (True, ["a"])  # the newcomer is kept, the idlest goes
    door.leave("b")  # greeted
    assert door.arrive("e", "127.0.0.1") == (True, [])
    assert len(door) == 3


def test_the_door_caps_one_address_and_frees_its_places():
    door = Door(DoorConfig(pending_max=100, pending_per_address=2))
    assert door.arrive("a", "127.0.0.2")[0] and door.arrive("b", "127.0.0.2")[0]
    assert door.arrive("c", "127.0.0.2") == (False, [])
    assert door.arrive("d", "127.0.0.1")[0]  # another address is not affected
    door.leave("a")
    door.leave("a")  # idempotent
    assert door.arrive("e", "127.0.0.2")[0]
    assert door.addresses() == 2


# --- the open-file budget ------------------------------------------------------------------------


def test_the_delegations_places_are_never_reduced_to_fit_the_open_file_limit():
    ample = plan_capacity(delegations=400, public=1000, pending=256, reserved_files=64, open_files=65536)
    assert (ample.delegations, ample.public, ample.pending, ample.shrunk) == (400, 1000, 256, False)
    tight = plan_capacity(delegations=400, public=1000, pending=256, reserved_files=64, open_files=1024)
    assert tight.shrunk and tight.delegations == 400
    assert 400 + tight.public + tight.pending + 64 <= 1024
    assert tight.pending >= 100 and tight.public >= 300
    assert "400 for the delegations (reserved)" in tight.describe()


def test_failed_accepts_are_reported_once_per_interval_with_a_count(caplog):
    now = [0.0]
    log = AcceptErrorLog(interval=60.0, clock=lambda: now[0])
    context = {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")}
    caplog.set_level(logging.ERROR, logger="vccsched.server")
    for second in range(120):
        now[0] = float(second)
        log(None, context)
    reports = [r.getMessage() for r in caplog.records]
    assert len(reports) == 2
    assert "(60 time(s) since the last report)" in reports[1]
