"""What zeroconf announces for which NUT listeners: pure, from the listeners and the host's addresses."""

from __future__ import annotations

import pytest

from pynutd.mdns import SERVICE_TYPE, plan, service_infos, wanted

HOST = ["127.0.0.1", "::1", "192.0.2.2", "fd00::2", "fe80::1", "10.1.1.5"]


@pytest.mark.parametrize(("listen", "announced"), [
    ([("127.0.0.1", 3493), ("::1", 3493)], {}),
    ([("192.0.2.2", 3493)], {3493: ["192.0.2.2"]}),
    ([("127.0.0.1", 3493), ("192.0.2.2", 4000)], {4000: ["192.0.2.2"]}),
    ([("0.0.0.0", 3493)], {3493: ["192.0.2.2", "10.1.1.5"]}),
    ([("::", 3493)], {3493: ["fd00::2"]}),
    ([("0.0.0.0", 3493), ("::", 3493)], {3493: ["192.0.2.2", "10.1.1.5", "fd00::2"]}),
    ([("0.0.0.0", 3493), ("192.0.2.2", 3493)], {3493: ["192.0.2.2", "10.1.1.5"]}),
    ([("127.0.0.2", 3493), ("fe80::1", 3493)], {}),
])
def test_plan(listen: list[tuple[str, int]], announced: dict[int, list[str]]) -> None:
    """Loopback never; a wildcard is every usable address of its family; one entry per port."""
    assert plan(listen, HOST) == announced


def test_wanted_only_with_a_listener_others_can_reach() -> None:
    """The part is not even built for loopback-only listeners (upsd.conf's default)."""
    assert not wanted([("127.0.0.1", 3493), ("::1", 3493)])
    assert wanted([("0.0.0.0", 3493)]) and wanted([("192.0.2.2", 3493)])


def test_service_names() -> None:
    """One port: the host's name; several: the port in the name too."""
    one = service_infos({3493: ["192.0.2.2"]}, "rack")
    assert [(i.name, i.port, i.server, i.parsed_addresses()) for i in one] == [
        (f"rack.{SERVICE_TYPE}", 3493, "rack.local.", ["192.0.2.2"])]
    two = service_infos({3493: ["192.0.2.2"], 4000: ["10.1.1.5"]}, "rack")
    assert [i.name for i in two] == [f"rack port 3493.{SERVICE_TYPE}",
                                     f"rack port 4000.{SERVICE_TYPE}"]
