"""The Twilio Media Streams protocol: frames shaped as Twilio's docs show them
(twilio.com/docs/voice/media-streams/websocket-messages), TwiML and webhook signatures."""
import base64
import json
import xml.etree.ElementTree as ET

import pytest

from settle.voice.twilio import (Connected, Dtmf, Mark, Media, ProtocolError, Start, Stop, clear_message,
                                 connect_stream_twiml, mark_message, media_message, parse_event,
                                 request_signature, say_hangup_twiml, valid_signature)

STREAM = "MZ18ad3ab5a668481ce02b83e7395059f0"
CALL = "CA5e1f2a5d4e4b4bd1b4ba2f3e0f8c0d1a"
ACCOUNT = "AC25e16e9a716a4a1786a7c83f58e30482"
MULAW = bytes([0xFF, 0x7F, 0x00, 0x80, 0x12])


def start_frame(**media_format) -> dict:
    return {"event": "start", "sequenceNumber": "1", "streamSid": STREAM,
            "start": {"accountSid": ACCOUNT, "streamSid": STREAM, "callSid": CALL, "tracks": ["inbound"],
                      "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1,
                                      **media_format},
                      "customParameters": {"case": "ZH-0042", "locale": "zh-CN"}}}


def media_frame(**media) -> dict:
    return {"event": "media", "sequenceNumber": "3", "streamSid": STREAM,
            "media": {"track": "inbound", "chunk": "2", "timestamp": "20",
                      "payload": base64.b64encode(MULAW).decode(), **media}}


def parsed(frame: dict):
    return parse_event(json.dumps(frame))


def test_connected():
    assert parsed({"event": "connected", "protocol": "Call", "version": "1.0.0"}) == Connected("Call", "1.0.0")


def test_start_carries_the_call_and_its_custom_parameters():
    assert parsed(start_frame()) == Start(stream_sid=STREAM, call_sid=CALL, account_sid=ACCOUNT,
                                          custom_parameters={"case": "ZH-0042", "locale": "zh-CN"},
                                          encoding="audio/x-mulaw", sample_rate=8000, channels=1)


def test_start_without_custom_parameters_has_none():
    frame = start_frame()
    del frame["start"]["customParameters"]
    assert parsed(frame).custom_parameters == {}


def test_media_payload_is_decoded_from_base64_and_counters_from_strings():
    assert parsed(media_frame()) == Media(stream_sid=STREAM, payload=MULAW, timestamp_ms=20, chunk=2,
                                          track="inbound")


def test_mark_stop_and_dtmf():
    assert parsed({"event": "mark", "sequenceNumber": "4", "streamSid": STREAM,
                   "mark": {"name": "turn-3"}}) == Mark(STREAM, "turn-3")
    assert parsed({"event": "stop", "sequenceNumber": "5", "streamSid": STREAM,
                   "stop": {"accountSid": ACCOUNT, "callSid": CALL}}) == Stop(STREAM, CALL)
    assert parsed({"event": "dtmf", "sequenceNumber": "6", "streamSid": STREAM,
                   "dtmf": {"track": "inbound_track", "digit": "#"}}) == Dtmf(STREAM, "#")


def test_unknown_extra_fields_are_ignored():
    frame = media_frame(futureField={"x": 1})
    frame["somethingNew"] = True
    assert parsed(frame).payload == MULAW


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not JSON"),
    ("[1, 2]", "must be a JSON object"),
    (json.dumps({"event": "hangup", "streamSid": STREAM}), "unknown event 'hangup'"),
    (json.dumps({"streamSid": STREAM}), "no 'event' field"),
    (json.dumps({"event": "connected", "protocol": "Call"}), "connected: 'version'"),
    (json.dumps({"event": "media", "streamSid": STREAM}), "media: 'media' must be an object"),
    (json.dumps(media_frame(payload="@@not base64@@")), "not valid base64"),
    (json.dumps(media_frame(payload=None)), "'payload' must be a base64 string"),
    (json.dumps(media_frame(chunk="two")), "'chunk' must be a whole number, got 'two'"),
    (json.dumps(media_frame(timestamp=-5)), "'timestamp' must be a whole number"),
    (json.dumps({**media_frame(), "streamSid": ""}), "media: 'streamSid' must be a non-empty string"),
    (json.dumps({"event": "mark", "streamSid": STREAM, "mark": {}}), "mark: 'name'"),
    (json.dumps({"event": "stop", "streamSid": STREAM, "stop": {"accountSid": ACCOUNT}}), "stop: 'callSid'"),
    (json.dumps({"event": "dtmf", "streamSid": STREAM, "dtmf": {"digit": "x"}}), "not a telephone key"),
    (json.dumps(start_frame(encoding="audio/l16")), "unsupported media format audio/l16"),
    (json.dumps(start_frame(sampleRate=16000)), "at 16000 Hz"),
    (json.dumps(start_frame(channels=2)), "with 2 channel(s)"),
    (json.dumps({"event": "start", "streamSid": STREAM, "start": {"callSid": CALL}}), "'mediaFormat'"),
])
def test_malformed_frames_raise_protocol_errors_that_say_why(text, reason):
    with pytest.raises(ProtocolError) as raised:
        parse_event(text)
    assert reason in raised.value.reason
    assert isinstance(raised.value, ValueError)


def test_custom_parameters_must_be_strings():
    frame = start_frame()
    frame["start"]["customParameters"] = {"case": 42}
    with pytest.raises(ProtocolError, match="customParameters"):
        parsed(frame)


def test_outbound_messages_have_twilios_shape():
    assert json.loads(media_message(STREAM, MULAW)) == {
        "event": "media", "streamSid": STREAM, "media": {"payload": base64.b64encode(MULAW).decode()}}
    assert json.loads(mark_message(STREAM, "turn-3")) == {"event": "mark", "streamSid": STREAM,
                                                          "mark": {"name": "turn-3"}}
    assert json.loads(clear_message(STREAM)) == {"event": "clear", "streamSid": STREAM}


def test_our_media_frames_parse_back_to_the_same_audio():
    frame = json.loads(media_message(STREAM, MULAW))
    frame["media"].update(track="outbound", chunk="1", timestamp="0")
    assert parsed(frame).payload == MULAW


def test_connect_stream_twiml_escapes_urls_and_parameters():
    hostile = 'a&b<c>d"e'
    twiml = connect_stream_twiml("wss://agent.example.com/voice/twilio?x=1&y=2", {"case": hostile, "locale": "en-US"})
    assert twiml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream ')
    assert "&amp;y=2" in twiml and "a&amp;b&lt;c&gt;d&quot;e" in twiml and hostile not in twiml
    stream = ET.fromstring(twiml).find("./Connect/Stream")
    assert stream.get("url") == "wss://agent.example.com/voice/twilio?x=1&y=2"
    assert {p.get("name"): p.get("value") for p in stream.findall("Parameter")} == {"case": hostile,
                                                                                    "locale": "en-US"}


def test_say_hangup_twiml_speaks_in_the_language_then_hangs_up():
    twiml = say_hangup_twiml('现在不便通话 & <稍后> "再见"', "zh-CN")
    response = ET.fromstring(twiml)
    assert [child.tag for child in response] == ["Say", "Hangup"]
    assert response[0].get("language") == "zh-CN" and response[0].text == '现在不便通话 & <稍后> "再见"'
    assert "&amp; &lt;稍后&gt;" in twiml


# Twilio's own vector: twilio-python, tests/unit/test_request_validator.py (token "12345")
TOKEN = "12345"
SIGNED_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
SIGNED_PARAMS = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "From": "+14158675309",
                 "To": "+18005551212", "Caller": "+14158675309"}


def test_signature_matches_twilios_published_vector():
    assert request_signature(TOKEN, SIGNED_URL, SIGNED_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert valid_signature(TOKEN, SIGNED_URL, SIGNED_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_signature_is_checked_with_and_without_the_port():
    """Twilio's vectors for the same request signed with the URL's default port, or behind a custom port."""
    assert valid_signature(TOKEN, SIGNED_URL, SIGNED_PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")  # signed as :443
    assert valid_signature(TOKEN, SIGNED_URL.replace(".com", ".com:1234"), SIGNED_PARAMS,
                           "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert valid_signature(TOKEN, SIGNED_URL.replace("https", "http"), SIGNED_PARAMS,
                           "0ZXoZLH/DfblKGATFgpif+LLRf4=")  # signed as :80


def test_a_tampered_request_fails():
    assert not valid_signature(TOKEN, SIGNED_URL, {**SIGNED_PARAMS, "Digits": "1235"}, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not valid_signature(TOKEN, SIGNED_URL + "&baz=3", SIGNED_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not valid_signature("54321", SIGNED_URL, SIGNED_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not valid_signature(TOKEN, SIGNED_URL, SIGNED_PARAMS, "")
