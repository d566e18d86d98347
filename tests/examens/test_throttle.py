"""The throttle's rules, on the default cache (Redis in the services run), with a test clock."""

import sys

import pytest
from django.conf import settings
from django.core.cache import cache

from examens import throttle
from examens.cache_scripts import redis_client
from examens.throttle import FIRST_FACTOR, SECOND_FACTOR, attempt_succeeded, begin_attempt
from tests.conftest import race, require_service

RULES = {"pair_free": 2, "account_free": 4, "address_free": 6, "max_wait": 60, "forget_every": 100}


@pytest.fixture(autouse=True)
def rules(settings, throttle_clock):
    settings.LOGIN_THROTTLE = {FIRST_FACTOR: RULES, SECOND_FACTOR: RULES}
    return throttle_clock


def attempt(step=FIRST_FACTOR, *, account="owner", address="192.0.2.1", known=False):
    return begin_attempt(step, account=account, address=address, known=known)


def waits_while_failing(clock, times, **where):
    """Fail `times` times as soon as allowed; the waits met on the way, in order."""
    waits = []
    failed = 0
    while failed < times:
        answer = attempt(**where)
        if answer.refused:
            waits.append(answer.wait)
            clock.advance(answer.wait)
        else:
            failed += 1
    return waits


def test_the_wait_doubles_beyond_the_free_failures_up_to_the_cap(rules):
    assert waits_while_failing(rules, 9) == [2, 4, 8, 16, 32, 60]


def test_an_attempt_before_the_wait_is_over_is_refused_and_not_counted(rules):
    waits_while_failing(rules, 3)
    rules.advance(1.5)

    early = attempt()
    rules.advance(0.5)
    on_time = attempt()

    assert early.wait == pytest.approx(0.5)
    assert not on_time.refused
    assert attempt().wait == 4  # the early try did not count: four failures, not five


def test_one_failure_is_forgotten_per_forget_period(rules):
    waits_while_failing(rules, 5)  # five failures: the next waits 8 s
    rules.advance(3 * RULES["forget_every"])  # two failures left

    assert not attempt().refused
    assert attempt().wait == 2  # three failures


def test_success_forgets_the_pair_and_takes_back_its_attempt(rules):
    waits_while_failing(rules, 2)
    assert not attempt().refused
    attempt_succeeded(FIRST_FACTOR, account="owner", address="192.0.2.1")

    # The pair starts again; the address holds two failures, not three.
    waits = waits_while_failing(rules, 2)
    other_accounts = [attempt(account=f"other{n}").refused for n in range(4)]

    assert waits == []
    assert other_accounts == [False, False, False, True]  # failures 5, 6, 7; then a wait


def test_password_failures_elsewhere_do_not_hold_back_a_clean_address(rules):
    for n in range(30):
        assert not attempt(address=f"198.51.100.{n}").refused

    clean = attempt(address="192.0.2.77")
    dirty = attempt(address="198.51.100.3")

    assert not clean.refused
    assert dirty.wait == RULES["max_wait"]


def test_password_owner_who_mistyped_waits_at_most_the_cap_after_their_own_typo(rules):
    for n in range(30):
        attempt(address=f"198.51.100.{n}")
    assert not attempt(address="192.0.2.77").refused  # the owner's typo

    for n in range(30, 70):  # the attacker keeps going from new addresses
        rules.advance(1)
        assert not attempt(address=f"198.51.100.{n}").refused
    refused = attempt(address="192.0.2.77")
    rules.advance(refused.wait)

    assert refused.wait == pytest.approx(RULES["max_wait"] - 40)
    assert not attempt(address="192.0.2.77").refused


def test_code_failures_hold_back_every_address_of_the_account(rules):
    for n in range(RULES["account_free"] + 1):
        assert not attempt(SECOND_FACTOR, address=f"198.51.100.{n}").refused

    fresh_address = attempt(SECOND_FACTOR, address="192.0.2.77")
    other_account = attempt(SECOND_FACTOR, account="someone-else", address="192.0.2.77")

    assert fresh_address.wait == 2
    assert not other_account.refused


def test_code_guesses_per_account_are_bounded_whatever_the_number_of_addresses(rules):
    """An attacker who knows the password tries codes from 200 addresses for ten hours."""
    admitted = 0
    hour_ten = 0
    end = rules.now + 10 * 3600
    addresses = (f"198.51.{n // 250}.{n % 250}" for n in range(10**5))
    for address in addresses:
        if rules.now >= end or admitted > 1000:  # far more than the rules let through
            break
        answer = attempt(SECOND_FACTOR, address=address)
        if answer.refused:
            rules.advance(answer.wait)
            continue
        admitted += 1
        hour_ten += rules.now > end - 3600
        rules.advance(0.01)

    ramp = 6  # 2, 4, ... 32 seconds, then the cap
    assert admitted <= RULES["account_free"] + ramp + 10 * 3600 / RULES["max_wait"] + 1
    assert hour_ten <= 3600 / RULES["max_wait"] + 1


def test_a_known_device_is_not_held_back_by_the_account_but_by_its_own_pair(rules):
    for n in range(RULES["account_free"] + 5):
        attempt(SECOND_FACTOR, address=f"198.51.100.{n}")

    known = [attempt(SECOND_FACTOR, address="192.0.2.77", known=True) for _ in range(4)]
    stranger = attempt(SECOND_FACTOR, address="192.0.2.78")

    assert [answer.refused for answer in known] == [False, False, False, True]  # its pair
    assert stranger.refused  # the account's wait


def test_the_address_wait_holds_for_every_account(rules):
    for n in range(RULES["address_free"] + 1):
        assert not attempt(account=f"user{n}").refused

    assert attempt(account="never-tried").wait == 2
    assert not attempt(account="never-tried", address="192.0.2.2").refused


@pytest.fixture
def eager_thread_switches():
    """Let threads switch after every few bytecodes, so that a race window shows."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_attempts_sent_at_once_cannot_slip_past_the_count(rules, eager_thread_switches):
    """Twenty attempts in the same instant, thirty times over (thirty accounts): each time
    only the free failures and one more go ahead."""
    ahead = RULES["pair_free"] + 1
    for round_ in range(30):
        account = f"user{round_}"
        outcomes = race([lambda a=account: attempt(account=a).refused for _ in range(20)])
        assert outcomes.count(False) == ahead, f"round {round_}: {outcomes}"
        rules.advance(3600)


def test_on_redis_every_count_expires(rules):
    client = redis_client()
    require_service("Redis cache (REDIS_URL)", client is not None)
    waits_while_failing(rules, 3)

    keys = throttle._keys(FIRST_FACTOR, "owner", "192.0.2.1")
    lifetimes = [client.ttl(key) for key in keys]

    limit = 3 * RULES["forget_every"] + RULES["max_wait"]
    assert all(0 < lifetime <= limit for lifetime in lifetimes), lifetimes
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.clear()
