"""A "call an agent and bridge" app written like Bandwidth's public Python samples (FastAPI,
bandwidth-sdk 23.x).

An inbound call hears a hold message while the app places a second call to the agent with
``CallsApi.create_call`` (tagged with the inbound callId); when the agent answers, its answer
webhook bridges the two calls. When the agent hangs up, the caller gets a goodbye
(bridgeTargetComplete), after the app read the agent call's state through the SDK
(``get_call_state``). The
``ApiClient`` is built at import with the SDK's default host: nothing here knows about the
simulator.
"""

import os

from fastapi import FastAPI, Request, Response

from bandwidth import ApiClient, CallsApi, Configuration
from bandwidth.models import CreateCall
from bandwidth.models.bxml import Bridge, Hangup, Ring, SpeakSentence
from bandwidth.models.bxml import Response as BxmlResponse

BW_ACCOUNT_ID = os.environ.get("BW_ACCOUNT_ID", "9900000")
BW_APPLICATION_ID = os.environ.get("BW_VOICE_APPLICATION_ID", "app-1234")
BASE_CALLBACK_URL = os.environ.get("BASE_CALLBACK_URL", "https://callbacks.example.com")
AGENT_NUMBER = os.environ.get("AGENT_NUMBER", "+15555550123")

configuration = Configuration(username=os.environ.get("BW_USERNAME", "api-user"),
                              password=os.environ.get("BW_PASSWORD", "api-password"))
api_client = ApiClient(configuration)
calls_api = CallsApi(api_client)

app = FastAPI()
CREATED: list = []  # the CreateCallResponse of every create_call, for the tests
STATES: list[str] = []  # the agent call's state read at the bridge's end


def bxml(*verbs) -> Response:
    return Response(BxmlResponse(list(verbs)).to_bxml(), media_type="application/xml")


@app.post("/callbacks/inbound")
def inbound(event: dict):
    created = calls_api.create_call(BW_ACCOUNT_ID, CreateCall(
        to=AGENT_NUMBER, var_from=event["to"], application_id=BW_APPLICATION_ID,
        answer_url=f"{BASE_CALLBACK_URL}/callbacks/agent/answer",
        disconnect_url=f"{BASE_CALLBACK_URL}/callbacks/agent/disconnect",
        tag=event["callId"], call_timeout=20))
    CREATED.append(created)
    return bxml(SpeakSentence(text="Please hold while we connect you to an agent."),
                Ring(duration=30))


@app.post("/callbacks/agent/answer")
async def agent_answer(request: Request):
    event = await request.json()
    return bxml(SpeakSentence(text="You have a caller waiting."),
                Bridge(target_call=event["tag"], bridge_target_complete_url=(
                    f"{BASE_CALLBACK_URL}/callbacks/bridge-target-complete")))


@app.post("/callbacks/bridge-target-complete")
def bridge_target_complete(event: dict):
    agent = CREATED[-1].call_id
    STATES.append(calls_api.get_call_state(BW_ACCOUNT_ID, agent).state)
    return bxml(SpeakSentence(text="The agent has left the call. Goodbye."), Hangup())


@app.post("/callbacks/agent/disconnect")
def agent_disconnect():
    return Response(status_code=204)
