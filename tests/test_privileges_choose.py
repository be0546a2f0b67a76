"""Which user pynutd becomes (upsd's -u), decided without changing any id."""

from __future__ import annotations

import functools
import pwd

import pytest

from pynutd.privileges import choose


def has_nut() -> bool:
    try:
        pwd.getpwnam("nut")
    except KeyError:
        return False
    return True


def needs_nut(test):
    """The set-up installs NUT's packages, which create the user nut: without it, fail."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        assert has_nut(), "no user nut: scripts/install-test-deps.sh installs NUT's packages"
        return test(*args, **kwargs)
    return run


@needs_nut
def test_root_defaults_to_nut_with_its_groups():
    target = choose(None, euid=0)
    entry = pwd.getpwnam("nut")
    assert target is not None and (target.name, target.uid, target.gid) == \
        ("nut", entry.pw_uid, entry.pw_gid)
    assert entry.pw_gid in target.groups


def test_u_root_keeps_root_and_warns(caplog):
    assert choose("root", euid=0) is None
    assert any("running as root (-u root)" in r.message for r in caplog.records)


def test_unknown_user_is_an_error_even_unprivileged():
    with pytest.raises(ValueError, match="unknown user 'no-such-user-xyz'"):
        choose("no-such-user-xyz", euid=0)
    with pytest.raises(ValueError):
        choose("no-such-user-xyz", euid=1000)


@needs_nut
def test_not_root_stays_as_it_is(caplog):
    assert choose(None, euid=1000) is None
    assert choose("nut", euid=1000) is None
    assert any("-u nut ignored" in r.message for r in caplog.records)
