"""The Voice REST API v2 (spec/voice-api.md), written once and served two ways.

* ``http.py``: one exchange without a web framework (``ApiRequest``, ``ApiResponse``,
  ``ApiError`` = ``VoiceApiError``);
* ``bodies.py``: request bodies and query strings, checked (the rules of simulator/rest_rules.py);
* ``views.py``: the JSON answers (CallState, CreateCallResponse, recording metadata, ...);
* ``auth.py``: Basic credentials, OAuth2 tokens, the account id;
* ``routes.py``: ``handle(backend, request)``, every route and what it does.

Backends hold the calls: ``bxmlsim serve``'s Store (server/state.py; starlette and uvicorn,
the ``server`` extra, are its HTTP front door only) and the API of one run (docs/hermetic.md).
Nothing here needs the ``server`` extra.
"""
