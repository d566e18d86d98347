"""Login throttling: a growing wait per account, per client address and per both.

Decision 0012 gives the rules and the reasons. Two steps are throttled apart,
the password (`FIRST_FACTOR`) and the second-factor code (`SECOND_FACTOR`, at login and at
re-verification). Each step keeps three counts in the default cache, each the
number of failures and the time of the last one:

- *pair*: one account from one address;
- *account*: one account from every address together;
- *address*: one address against every account together.

A count allows its `free` failures; beyond them, the next attempt waits
2**(n - free) seconds after the last failure, at most `max_wait`. One failure
is forgotten for every `forget_every` seconds without a new one, so a typo a
week ago costs nothing. The pair and address waits always hold. The account's
wait is what a distant attacker could turn against the owner, so:

- password: it holds only for an address that has failed for this account
  itself, counted from that address's own last failure. An address with no
  failures for the account is never held back by failures from elsewhere,
  and an owner who mistyped waits at most `max_wait` after their own typo.
- code: whoever types codes already knows the password, and the code is the
  last guard, so the account's wait holds for every address from the
  account's last failure: guesses per account are bounded however many
  addresses an attacker has.
- A *known device* (a browser that completed a login for the account before,
  see examens.views.known) is never held back by the account's wait.

An attempt is counted as a failure *before* the password or code is checked
(`begin_attempt`) and taken back when it succeeds (`attempt_succeeded`), so
that attempts sent at once cannot all pass the check before one is counted.
On Redis both are one Lua script each: atomic across workers, one round trip.
Elsewhere (the local-memory cache of the embedded mode: one process) a lock
makes them atomic. Time comes from settings.THROTTLE_CLOCK (time.time), never
from the cache server: the tests and bench/throttle.py run a clock of their own.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .cache_scripts import redis_client, run_script

FIRST_FACTOR = "password"
SECOND_FACTOR = "code"
# Whether the account's wait holds for every address (see the module's docstring).
SHARED_ACCOUNT_WAIT = {FIRST_FACTOR: False, SECOND_FACTOR: True}

_local_lock = threading.Lock()


@dataclass(frozen=True)
class Policy:
    pair_free: int
    account_free: int
    address_free: int
    max_wait: int
    forget_every: int


@dataclass(frozen=True)
class Attempt:
    """The answer to `begin_attempt`: go ahead (wait 0), or wait this many seconds."""

    wait: float
    account_failures: int = 0  # the account's count with this attempt, when it goes ahead

    @property
    def refused(self) -> bool:
        return self.wait > 0

    @property
    def wait_seconds(self) -> int:
        return max(1, math.ceil(self.wait))


def now() -> float:
    """The throttle's clock (settings.THROTTLE_CLOCK): seconds since the epoch."""
    return settings.THROTTLE_CLOCK()


def policy(step: str) -> Policy:
    return Policy(**settings.LOGIN_THROTTLE[step])


def account_key(username: str) -> str:
    """The account as the limits know it: a digest of the typed username, any case."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _keys(step: str, account: str, address: str) -> list[str]:
    return [
        cache.make_and_validate_key(f"throttle:{step}:pair:{account}:{address}"),
        cache.make_and_validate_key(f"throttle:{step}:account:{account}"),
        cache.make_and_validate_key(f"throttle:{step}:address:{address}"),
    ]


def begin_attempt(step: str, *, account: str, address: str, known: bool = False) -> Attempt:
    """Refuse the attempt with its wait, or count it as a failure and let it go ahead.

    `account` is `account_key(username)`, `address` the client's bucket
    (examens.addresses.client_address), `known` whether the browser is a known
    device for this account. Call `attempt_succeeded` when the password or
    code turns out right.
    """
    rules = policy(step)
    shared = SHARED_ACCOUNT_WAIT[step]
    keys = _keys(step, account, address)
    args = [
        repr(now()),
        rules.pair_free,
        rules.account_free,
        rules.address_free,
        rules.max_wait,
        rules.forget_every,
        int(shared),
        int(known),
    ]
    client = redis_client()
    if client is not None:
        allowed, wait, failures = run_script(client, BEGIN_SCRIPT, keys=keys, args=args)
        if int(allowed):
            return Attempt(wait=0.0, account_failures=int(failures))
        return Attempt(wait=float(wait))
    return _begin_locally(keys, rules, shared=shared, known=known)


def attempt_succeeded(step: str, *, account: str, address: str) -> None:
    """The password or code was right: forget the pair, take back the counted failure."""
    keys = _keys(step, account, address)
    client = redis_client()
    if client is not None:
        run_script(client, SUCCEED_SCRIPT, keys=keys, args=[])
        return
    rules = policy(step)
    with _local_lock:
        counts = cache.get_many(keys[1:])
        cache.delete(keys[0])
        for key, (failures, last) in counts.items():
            lifetime = failures * rules.forget_every + rules.max_wait
            cache.set(key, (max(0, failures - 1), last), lifetime)


# --- the rules, in Python (local cache) and in Lua (Redis); keep the two alike ----------


def _forgetting(failures: int, last: float, at: float, forget_every: int) -> int:
    if failures > 0 and at > last:
        failures = max(0, failures - int((at - last) // forget_every))
    return failures


def _wait(failures: int, free: int, max_wait: int) -> float:
    if failures <= free:
        return 0.0
    return float(min(max_wait, 2 ** min(failures - free, 62)))


def _begin_locally(keys: list[str], rules: Policy, *, shared: bool, known: bool) -> Attempt:
    at = now()
    with _local_lock:
        stored = cache.get_many(keys)
        counts = []
        for key in keys:
            failures, last = stored.get(key, (0, 0.0))
            counts.append((_forgetting(failures, last, at, rules.forget_every), last))
        (pair, pair_last), (account, account_last), (address, address_last) = counts
        until = 0.0
        if pair:
            until = pair_last + _wait(pair, rules.pair_free, rules.max_wait)
        if address:
            until = max(until, address_last + _wait(address, rules.address_free, rules.max_wait))
        if account and not known:
            account_wait = _wait(account, rules.account_free, rules.max_wait)
            if shared:
                until = max(until, account_last + account_wait)
            elif pair:
                until = max(until, pair_last + account_wait)
        if until > at:
            return Attempt(wait=until - at)
        for key, (failures, _last) in zip(keys, counts, strict=True):
            lifetime = (failures + 1) * rules.forget_every + rules.max_wait
            cache.set(key, (failures + 1, at), lifetime)
    return Attempt(wait=0.0, account_failures=account + 1)


BEGIN_SCRIPT = """
local at = tonumber(ARGV[1])
local pair_free, account_free = tonumber(ARGV[2]), tonumber(ARGV[3])
local address_free = tonumber(ARGV[4])
local max_wait, forget_every = tonumber(ARGV[5]), tonumber(ARGV[6])
local shared, known = ARGV[7] == '1', ARGV[8] == '1'

local function load(key)
  local row = redis.call('HMGET', key, 'n', 't')
  local failures, last = tonumber(row[1]) or 0, tonumber(row[2]) or 0
  if failures > 0 and at > last then
    failures = math.max(0, failures - math.floor((at - last) / forget_every))
  end
  return failures, last
end
local function wait(failures, free)
  if failures <= free then return 0 end
  return math.min(max_wait, 2 ^ math.min(failures - free, 62))
end

local pair, pair_last = load(KEYS[1])
local account, account_last = load(KEYS[2])
local address, address_last = load(KEYS[3])
local until_ = 0
if pair > 0 then until_ = pair_last + wait(pair, pair_free) end
if address > 0 then until_ = math.max(until_, address_last + wait(address, address_free)) end
if account > 0 and not known then
  if shared then
    until_ = math.max(until_, account_last + wait(account, account_free))
  elseif pair > 0 then
    until_ = math.max(until_, pair_last + wait(account, account_free))
  end
end
if until_ > at then
  return {0, tostring(until_ - at), 0}
end
local counts = {pair, account, address}
for i = 1, 3 do
  redis.call('HSET', KEYS[i], 'n', counts[i] + 1, 't', ARGV[1])
  redis.call('EXPIRE', KEYS[i], math.ceil((counts[i] + 1) * forget_every + max_wait))
end
return {1, '0', account + 1}
"""

SUCCEED_SCRIPT = """
redis.call('DEL', KEYS[1])
for i = 2, 3 do
  local failures = tonumber(redis.call('HGET', KEYS[i], 'n'))
  if failures and failures > 0 then redis.call('HINCRBY', KEYS[i], 'n', -1) end
end
return 1
"""
