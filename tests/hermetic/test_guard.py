"""The network guard (simulator/hermetic/guard.py): during a run the app's code opens no
connection and resolves no name beyond this machine; Bandwidth's hosts are answered in process
before any socket exists."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from simulator.hermetic import binding, guard

from test_clients import AUTH, run, state_url


def local(host) -> bool:
    if host in ("localhost", None, ""):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def test_no_socket_reaches_beyond_loopback_while_the_sample_apps_run(socket_log, tmp_path):
    """An audit hook sees every connect and lookup of every thread: the three SDK apps and
    the plain clients talk to Bandwidth's hosts the whole run, and nothing leaves."""
    pytest.importorskip("bandwidth")
    requests = pytest.importorskip("requests")
    import test_clients
    import test_sdk_apps

    test_sdk_apps.test_the_voicemail_app_downloads_the_exact_recording_file(tmp_path, "mp3")
    test_sdk_apps.test_the_bridge_app_creates_the_agent_call_and_bridges_it()
    test_sdk_apps.test_the_redirect_app_redirects_at_the_webhook_and_plays_the_recording_back(
        tmp_path / "redirect")
    run(lambda e: requests.get(state_url(e), auth=AUTH).json())
    test_clients.test_httpx_sync_and_async_reach_the_run()
    test_clients.test_urllib_and_http_client_reach_the_run()
    test_clients.test_the_sdk_with_oauth2_gets_a_token_from_the_run_and_uses_it()
    beyond = [(event, host) for event, host in socket_log if not local(host)]
    assert beyond == []
    with socket.socket() as server:  # the hook is live: it sees a loopback connection
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        socket.create_connection(server.getsockname(), timeout=1).close()
    assert ("socket.connect", "127.0.0.1") in socket_log


def test_an_app_reaching_another_host_is_refused_and_the_timeline_says_so():
    requests = pytest.importorskip("requests")

    def probe(event):
        try:
            requests.get("https://api.example.com/v1/customers", timeout=2)
        except requests.ConnectionError as refused:
            return "hermetic run: resolve api.example.com" in str(refused)

    seen, result = run(probe)
    assert seen == [True]
    blocked = [e for e in result["timeline"] if e["kind"] == "network-blocked"]
    assert blocked and {(e["detail"]["host"], e["detail"]["what"]) for e in blocked} == {
        ("api.example.com", "resolve")}
    assert blocked[0]["callId"] == result["calls"][0]["callId"]


def test_a_raw_socket_to_an_address_beyond_loopback_is_refused_before_it_connects():
    def probe(event):
        try:
            socket.create_connection(("203.0.113.7", 443), timeout=1)
        except ConnectionRefusedError as refused:
            return str(refused)

    [text], result = run(probe)
    assert "connect 203.0.113.7:443 refused" in text
    assert [e["detail"] for e in result["timeline"] if e["kind"] == "network-blocked"] == [
        {"host": "203.0.113.7", "port": 443, "what": "connect"}]


def test_loopback_stays_reachable_for_the_app():
    def probe(event):
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=1):
                return socket.getaddrinfo("localhost", 80)[0][4][0] in ("127.0.0.1", "::1")

    assert run(probe)[0] == [True]


class StubRun:
    def __init__(self, network: str) -> None:
        self.network = network
        self.seen = []

    def blocked(self, host, port, what) -> None:
        self.seen.append((host, port, what))


@pytest.mark.parametrize("event, args, what", [
    ("socket.connect", (None, ("198.51.100.1", 80)), "connect"),
    ("socket.connect", (None, ("2001:db8::1", 443, 0, 0)), "connect"),
    ("socket.sendto", (None, ("198.51.100.1", 53)), "send"),
    ("socket.getaddrinfo", ("example.org", 443, 0, 0, 0), "resolve"),
    ("socket.gethostbyname", ("example.org",), "resolve"),
])
def test_the_guard_refuses_in_the_app_s_code_only_and_not_when_the_scenario_allows(event, args,
                                                                                   what):
    for network, refused in (("block", True), ("allow", False)):
        stub = StubRun(network)
        token, app = binding.RUN.set(stub), binding.IN_APP.set(True)
        try:
            if refused:
                with pytest.raises(OSError, match="hermetic run"):
                    guard._hook(event, args)
                assert stub.seen and stub.seen[0][2] == what
            else:
                guard._hook(event, args)
                assert stub.seen == []
            binding.IN_APP.set(False)  # the simulator's own transports: never refused
            guard._hook(event, args)
        finally:
            binding.IN_APP.reset(app)
            binding.RUN.reset(token)


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("app.localhost", True), ("0.0.0.0", True), (None, True), ("10.0.0.5", False),
    ("voice.bandwidth.com", False), ("192.168.1.2", False)])
def test_what_counts_as_this_machine(host, expected):
    assert guard.is_local(host) is expected
