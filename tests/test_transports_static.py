"""StaticFolderTransport: a folder's files served under base_url; the "no app" reply; and its
place in make_transport (routes, then static files, then the wsgi/asgi app)."""

from __future__ import annotations

import os

import pytest

from simulator.scenario.model import AppSettings, Route
from simulator.transports import (too_large_error, NO_APP_NOTE, NOTE_HEADER, StaticFolderTransport, Transport,
                                  TransportReply, make_transport)

BASE = "http://app.test"


@pytest.fixture
def folder(tmp_path):
    site = tmp_path / "site"
    (site / "media").mkdir(parents=True)
    (site / "media" / "beep.wav").write_bytes(b"RIFF-not-really")
    (site / "next.xml").write_text("<Response><Hangup/></Response>")
    (site / "notes.txt").write_text("hello")
    (tmp_path / "secret.xml").write_text("<Response/>")  # outside the folder
    return site


def get(transport: Transport, url: str, method: str = "GET") -> TransportReply:
    return transport.send(method, url, headers={}, timeout=15)


def test_files_under_base_url_are_served_from_the_folder(folder):
    static = StaticFolderTransport(folder, BASE)
    reply = get(static, "http://app.test/media/beep.wav?cache=no")  # query ignored
    assert (reply.status, reply.content) == (200, b"RIFF-not-really")
    assert reply.headers["content-type"] == "audio/wav"
    reply = get(static, "http://APP.test/notes.txt")
    assert (reply.status, reply.text, reply.headers["content-type"]) == (200, "hello",
                                                                         "text/plain")


def test_a_path_without_suffix_is_its_xml_document(folder):
    static = StaticFolderTransport(folder, BASE)
    for url in ("http://app.test/next", "http://app.test/next.xml"):
        reply = get(static, url, "POST")
        assert reply.status == 200 and reply.text == "<Response><Hangup/></Response>"
        assert reply.headers["content-type"].startswith("application/xml")


@pytest.mark.parametrize("url", ["http://app.test/../secret.xml", "http://app.test/%2e%2e/secret",
                                 "http://other.test/next", "https://app.test/next",
                                 "http://app.test/", "http://app.test/media"])
def test_nothing_outside_the_folder_or_the_base_url_is_served(folder, url):
    assert StaticFolderTransport(folder, BASE).file_for(url) is None


def test_a_symbolic_link_out_of_the_folder_is_not_followed(folder):
    os.symlink(folder.parent / "secret.xml", folder / "escape.xml")
    assert StaticFolderTransport(folder, BASE).file_for("http://app.test/escape") is None


def test_a_base_url_with_a_path_serves_below_it(folder):
    static = StaticFolderTransport(folder, "http://app.test/voice/answer")
    assert static.file_for("http://app.test/voice/next") == folder / "next.xml"
    assert static.file_for("http://app.test/next") is None


def test_no_app_reply_is_an_empty_200_with_a_note_but_audio_is_a_404(folder):
    static = StaticFolderTransport(folder, BASE, no_app=True)
    reply = get(static, "http://app.test/recordComplete", "POST")
    assert (reply.status, reply.content) == (200, b"")
    assert reply.headers[NOTE_HEADER] == NO_APP_NOTE
    reply = get(static, "http://cdn.test/hold.mp3")
    assert reply.status == 404 and NOTE_HEADER not in reply.headers
    assert "no file for GET http://cdn.test/hold.mp3" in reply.text


def test_a_miss_without_app_is_a_404_listing_the_routes(folder):
    static = StaticFolderTransport(folder, BASE, known=["http://app.test/answer"])
    reply = get(static, "http://app.test/gather", "POST")
    assert reply.status == 404
    assert reply.text == (f"no file for POST http://app.test/gather in {folder} "
                          f"(known routes: http://app.test/answer)")


class Recorder(Transport):
    def __init__(self):
        self.urls = []

    def send(self, method, url, *, headers=None, params=None, json=None, timeout, **_):
        self.urls.append(url)
        return TransportReply(200, b"from the app")


def test_routes_win_then_static_files_then_the_app(folder, tmp_path):
    app = AppSettings(bxml="<Response/>", static=folder,
                      routes={"/next": Route(bxml="<Response><Pause/></Response>")})
    transport = make_transport(app, tmp_path)
    assert get(transport, "http://app.test/answer").text == "<Response/>"
    assert get(transport, "http://app.test/next").text == "<Response><Pause/></Response>"
    assert get(transport, "http://app.test/media/beep.wav").content == b"RIFF-not-really"
    missing = get(transport, "http://app.test/gather")
    assert missing.status == 404 and "known routes: http://app.test/answer, " \
                                      "http://app.test/next" in missing.text
    # with an app behind: what no route or file answers reaches it
    (tmp_path / "tiny_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'from the app ' + environ['PATH_INFO'].encode()]\n")
    with make_transport(AppSettings(static=folder, wsgi="tiny_app:app"), tmp_path) as both:
        assert get(both, "http://app.test/next").text == "<Response><Hangup/></Response>"
        assert get(both, "http://app.test/gather").text == "from the app /gather"


def test_static_transport_closes_what_is_behind_it(folder):
    closed = []

    class Behind(Recorder):
        def close(self):
            closed.append(True)

    StaticFolderTransport(folder, BASE, fallthrough=Behind()).close()
    assert closed == [True]


def test_a_file_over_the_body_limit_is_not_read(folder):
    (folder / "big.xml").write_bytes(b"<" * 2000)
    reply = StaticFolderTransport(folder, BASE).send("GET", "http://app.test/big.xml",
                                                     timeout=15, max_bytes=1000)
    assert (reply.status, reply.content, reply.error) == (200, b"", too_large_error(1000))
