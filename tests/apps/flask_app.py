"""A small Flask webhook app the transport and end-to-end tests drive in-process.

/answer records a message and /recordComplete hangs up; /echo describes the request it got;
/disconnect accepts with 204;
/status/<code> answers with that status; /boom raises; /garbage returns text that is not BXML.
"""

from flask import Flask, Response, jsonify, request

app = Flask(__name__)

BXML = "application/xml; charset=utf-8"


@app.post("/answer")
def answer():
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Response>\n"
        "  <SpeakSentence>Leave a message after the tone.</SpeakSentence>\n"
        '  <Record recordCompleteUrl="/recordComplete" maxDuration="30"/>\n'
        "</Response>\n",
        content_type=BXML)


@app.post("/recordComplete")
def record_complete():
    return Response("<Response><Hangup/></Response>", content_type=BXML)


@app.route("/echo", methods=["GET", "POST"])
def echo():
    return jsonify(method=request.method, path=request.path, args=request.args.to_dict(),
                   json=request.get_json(silent=True),
                   authorization=request.headers.get("Authorization"),
                   user_agent=request.headers.get("User-Agent"),
                   content_type=request.headers.get("Content-Type"))


@app.route("/status/<int:code>", methods=["GET", "POST"])
def status(code: int):
    return Response(f"status {code}", status=code, content_type="text/plain")


@app.post("/disconnect")
def disconnect():
    return Response(status=204)


@app.route("/empty", methods=["GET", "POST"])
def empty():
    return Response("", status=200)


@app.route("/garbage", methods=["GET", "POST"])
def garbage():
    return Response("this is not <xml", content_type=BXML)


@app.route("/boom", methods=["GET", "POST"])
def boom():
    raise RuntimeError("the app broke")


app.config["PROPAGATE_EXCEPTIONS"] = True  # let the transport turn the exception into a 500
