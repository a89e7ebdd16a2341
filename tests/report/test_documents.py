"""report/documents.py: which document and element of it a timeline entry is, with C1's keys
(document, path, col) and without them (result.json files written before C1)."""

from __future__ import annotations

from simulator.report.documents import Resolver, collect_documents

CALL = "c-1"
ANSWER = ('<Response><SpeakSentence>one</SpeakSentence><SpeakSentence>two</SpeakSentence>'
          '<Gather gatherUrl="/g"><SpeakSentence>menu</SpeakSentence></Gather></Response>')
GATHER = "<Response>\n  <SpeakSentence>thanks</SpeakSentence>\n  <Hangup/>\n</Response>"


def callback(at: float, event: str, url: str, body: str) -> dict:
    return {"at": at, "eventType": event, "url": url, "method": "POST", "status": 200,
            "responseBody": body, "payload": {"callId": CALL, "eventType": event}}


def entry(at: float, kind: str, verb: str | None = None, line: int | None = None,
          **extra) -> dict:
    return {"at": at, "callId": CALL, "kind": kind, "verb": verb, "line": line, "detail": {},
            **extra}


def webhook(at: float, event: str) -> dict:
    return {**entry(at, "webhook"), "detail": {"eventType": event}}


CALLBACKS = [callback(0.0, "initiate", "http://app.test/answer", ANSWER),
             callback(5.0, "gather", "http://app.test/g", GATHER)]


def resolve(timeline: list[dict]) -> list[tuple]:
    """(document number, element tag, element path) of every verb-start, in order."""
    documents = collect_documents(CALLBACKS, timeline, [CALL])
    resolver, found = Resolver(documents, timeline), []
    for e in timeline:
        resolver.see(e)
        if e["kind"] == "verb-start":
            doc, element = resolver.locate(e)
            found.append((doc and doc["number"], element and element.tag,
                          element and element.path))
    return found


def test_without_c1_keys_the_kth_run_on_a_line_is_the_kth_element():
    """A one-line document: the second SpeakSentence to start on line 1 is the second one."""
    found = resolve([webhook(0.0, "initiate"), entry(0.0, "verb-start", "SpeakSentence", 1),
                     entry(1.0, "verb-start", "SpeakSentence", 1),
                     entry(2.0, "verb-start", "Gather", 1),
                     entry(2.0, "verb-start", "SpeakSentence", 1)])
    assert [f[2] for f in found] == ["/Response[1]/SpeakSentence[1]",
                                     "/Response[1]/SpeakSentence[2]",
                                     "/Response[1]/Gather[1]",
                                     "/Response[1]/Gather[1]/SpeakSentence[1]"]


def test_c1_path_and_col_name_the_element():
    found = resolve([webhook(0.0, "initiate"),
                     entry(0.0, "verb-start", "SpeakSentence", 1, path=None, col=45),
                     entry(1.0, "verb-start", "SpeakSentence", 1,
                           path="/Response/Gather[1]/SpeakSentence[1]", col=99)])
    assert found[0][2] == "/Response[1]/SpeakSentence[2]"  # the one written at column 45
    assert found[1][2] == "/Response[1]/Gather[1]/SpeakSentence[1]"  # the path wins


def test_a_verb_at_the_instant_of_a_webhook_belongs_to_the_document_before_it():
    """The gather reply arrives at 5.0 s; a verb of the answer document that starts at 5.0 s
    before the gather webhook's entry is still the answer document's."""
    found = resolve([webhook(0.0, "initiate"), entry(5.0, "verb-start", "SpeakSentence", 1),
                     webhook(5.0, "gather"), entry(5.0, "verb-start", "SpeakSentence", 2)])
    assert found == [(1, "SpeakSentence", "/Response[1]/SpeakSentence[1]"),
                     (2, "SpeakSentence", "/Response[1]/SpeakSentence[1]")]


def test_c1_document_names_the_reply_it_belongs_to():
    """C1's ``document`` (the URL whose reply it is) wins over the time order."""
    found = resolve([webhook(0.0, "initiate"), webhook(5.0, "gather"),
                     entry(5.0, "verb-start", "SpeakSentence", 1,
                           document="http://app.test/answer",
                           path="/Response/SpeakSentence[2]")])
    assert found == [(1, "SpeakSentence", "/Response[1]/SpeakSentence[2]")]


def test_damaged_or_unknown_keys_fall_back_quietly():
    """Odd C1 values (a number for path, text for col, a list for document) are ignored."""
    found = resolve([webhook(0.0, "initiate"),
                     entry(0.0, "verb-start", "SpeakSentence", 1, path=5, col="x",
                           document=["?"], future={"key": 1})])
    assert found == [(1, "SpeakSentence", "/Response[1]/SpeakSentence[1]")]


def test_a_document_that_is_not_xml_has_no_elements():
    callbacks = [callback(0.0, "initiate", "http://app.test/answer", "<Response><oops>")]
    documents = collect_documents(callbacks, [], [CALL])
    assert documents[0]["pretty"] is None
    doc, element = Resolver(documents, []).locate(entry(0.1, "verb-start", "SpeakSentence", 1))
    assert doc is documents[0] and element is None


def test_a_put_bxml_body_is_the_document_its_rest_entry_names():
    """A ``rest`` entry carries a PUT body (``bxml``) and the name its verbs give it
    (``bxmlDocument``); a PUT refused before it was read (no name) is no document."""
    put, name = "<Bxml><SpeakSentence>put</SpeakSentence></Bxml>", f"PUT /calls/{CALL}/bxml#1"
    timeline = [webhook(0.0, "initiate"),
                {**entry(3.0, "rest", line=12), "detail": {
                    "action": "put_bxml", "status": 204, "bxml": put, "bxmlDocument": name}},
                {**entry(4.0, "rest", line=15), "detail": {
                    "action": "put_bxml", "status": 409, "bxml": "<Bxml><Hangup/></Bxml>"}},
                entry(3.0, "verb-start", "SpeakSentence", 1, document=name,
                      path="/Bxml/SpeakSentence[1]")]
    documents = collect_documents(CALLBACKS, timeline, [CALL])
    [doc] = [d for d in documents if d["url"] == name]
    assert doc["text"] == put and not doc.get("named_only")
    assert doc["origin"] == f"{name}, the body of the app's put_bxml (status 204)"
    assert all(d["text"] != "<Bxml><Hangup/></Bxml>" for d in documents)
    doc_found, element = Resolver(documents, timeline).locate(timeline[-1])
    assert doc_found is doc and element.path == "/Bxml[1]/SpeakSentence[1]"
