"""The Twilio Media Streams protocol, free of any transport: messages in, messages out, TwiML, signatures.

Twilio sends JSON text frames over the call's WebSocket (`connected`, `start`,
`media`, `dtmf`, `mark`, `stop`); a bidirectional stream (`<Connect><Stream>`)
accepts `media`, `mark` and `clear` back. Inbound frames become frozen
dataclasses so the call loop matches on types, never on dictionaries, and
anything malformed is a `ProtocolError` the transport can log and answer,
not a KeyError deep in the call. Webhooks are authenticated with Twilio's
X-Twilio-Signature (HMAC-SHA1), computed and checked here.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MULAW_ENCODING = "audio/x-mulaw"
MULAW_RATE = 8000
DTMF_DIGITS = frozenset("0123456789*#")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


class ProtocolError(ValueError):
    """A Media Streams frame that cannot be acted on; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Connected:
    """The first frame on a new socket: which protocol and version follow."""

    protocol: str
    version: str


@dataclass(frozen=True)
class Start:
    """The stream's metadata, once, before any media; `custom_parameters` are the TwiML `<Parameter>`s."""

    stream_sid: str
    call_sid: str
    account_sid: str
    custom_parameters: dict[str, str]
    encoding: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class Media:
    """One chunk of call audio: `payload` is μ-law (base64 already undone), `timestamp_ms` from the stream's start."""

    stream_sid: str
    payload: bytes
    timestamp_ms: int
    chunk: int
    track: str


@dataclass(frozen=True)
class Mark:
    """Twilio has played everything sent before the mark `name` (or a `clear` dropped it)."""

    stream_sid: str
    name: str


@dataclass(frozen=True)
class Stop:
    """The stream ended: the caller hung up or the call left the `<Stream>`."""

    stream_sid: str
    call_sid: str


@dataclass(frozen=True)
class Dtmf:
    """A key the caller pressed."""

    stream_sid: str
    digit: str


InboundEvent = Connected | Start | Media | Mark | Stop | Dtmf


def _object(container: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = container.get(key)
    if not isinstance(value, dict):
        raise ProtocolError(f"{where}: '{key}' must be an object, got {_shown(value)}")
    return value


def _text(container: dict[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"{where}: '{key}' must be a non-empty string, got {_shown(value)}")
    return value


def _whole_number(container: dict[str, Any], key: str, where: str) -> int:
    """Twilio sends counters as decimal strings ("chunk": "2"); numbers are taken too."""
    value = container.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise ProtocolError(f"{where}: '{key}' must be a whole number, got {_shown(value)}")


def _shown(value: Any) -> str:
    return "nothing" if value is None else repr(value)[:60]


def _connected(message: dict[str, Any]) -> Connected:
    return Connected(_text(message, "protocol", "connected"), _text(message, "version", "connected"))


def _start(message: dict[str, Any]) -> Start:
    start = _object(message, "start", "start")
    media_format = _object(start, "mediaFormat", "start")
    encoding = _text(media_format, "encoding", "start.mediaFormat")
    sample_rate = _whole_number(media_format, "sampleRate", "start.mediaFormat")
    channels = _whole_number(media_format, "channels", "start.mediaFormat")
    if (encoding, sample_rate, channels) != (MULAW_ENCODING, MULAW_RATE, 1):
        raise ProtocolError(f"start: unsupported media format {encoding} at {sample_rate} Hz with {channels} "
                            f"channel(s); only {MULAW_ENCODING} at {MULAW_RATE} Hz mono is spoken here")
    parameters = start.get("customParameters", {})
    if not isinstance(parameters, dict) or not all(isinstance(v, str) for v in parameters.values()):
        raise ProtocolError(f"start: 'customParameters' must map names to strings, got {_shown(parameters)}")
    return Start(stream_sid=_text(start, "streamSid", "start"), call_sid=_text(start, "callSid", "start"),
                 account_sid=_text(start, "accountSid", "start"), custom_parameters=dict(parameters),
                 encoding=encoding, sample_rate=sample_rate, channels=channels)


def _media(message: dict[str, Any]) -> Media:
    media = _object(message, "media", "media")
    encoded = media.get("payload")
    if not isinstance(encoded, str):
        raise ProtocolError(f"media: 'payload' must be a base64 string, got {_shown(encoded)}")
    try:
        payload = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise ProtocolError(f"media: 'payload' is not valid base64 ({error})") from None
    return Media(stream_sid=_text(message, "streamSid", "media"), payload=payload,
                 timestamp_ms=_whole_number(media, "timestamp", "media"),
                 chunk=_whole_number(media, "chunk", "media"), track=_text(media, "track", "media"))


def _mark(message: dict[str, Any]) -> Mark:
    return Mark(_text(message, "streamSid", "mark"), _text(_object(message, "mark", "mark"), "name", "mark"))


def _stop(message: dict[str, Any]) -> Stop:
    return Stop(_text(message, "streamSid", "stop"), _text(_object(message, "stop", "stop"), "callSid", "stop"))


def _dtmf(message: dict[str, Any]) -> Dtmf:
    digit = _text(_object(message, "dtmf", "dtmf"), "digit", "dtmf")
    if digit not in DTMF_DIGITS:
        raise ProtocolError(f"dtmf: {digit!r} is not a telephone key")
    return Dtmf(_text(message, "streamSid", "dtmf"), digit)


_PARSERS = {"connected": _connected, "start": _start, "media": _media, "mark": _mark, "stop": _stop, "dtmf": _dtmf}


def parse_event(text: str) -> InboundEvent:
    """One frame from Twilio as its typed event; fields this server does not use are ignored."""
    try:
        message = json.loads(text)
    except (json.JSONDecodeError, TypeError) as error:
        raise ProtocolError(f"frame is not JSON ({error})") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"frame must be a JSON object, got {_shown(message)}")
    kind = message.get("event")
    if kind is None:
        raise ProtocolError("frame has no 'event' field")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise ProtocolError(f"unknown event {_shown(kind)}; expected one of {', '.join(sorted(_PARSERS))}")
    return parser(message)


def media_message(stream_sid: str, payload: bytes) -> str:
    """Audio for Twilio to play: μ-law 8 kHz bytes, base64 in the frame."""
    return json.dumps({"event": "media", "streamSid": stream_sid,
                       "media": {"payload": base64.b64encode(payload).decode("ascii")}})


def mark_message(stream_sid: str, name: str) -> str:
    """Asks Twilio to echo `name` back once the audio sent so far has played."""
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    """Barge-in: drops the audio Twilio still has queued (pending marks come back at once)."""
    return json.dumps({"event": "clear", "streamSid": stream_sid})


def _twiml(response: ET.Element) -> str:
    return XML_DECLARATION + ET.tostring(response, encoding="unicode")


def connect_stream_twiml(stream_url: str, parameters: dict[str, str]) -> str:
    """The webhook's answer that connects the call to the agent's WebSocket, both ways;
    `parameters` arrive again in the `start` frame's customParameters."""
    response = ET.Element("Response")
    stream = ET.SubElement(ET.SubElement(response, "Connect"), "Stream", url=stream_url)
    for name, value in parameters.items():
        ET.SubElement(stream, "Parameter", name=name, value=value)
    return _twiml(response)


def say_hangup_twiml(text: str, language: str) -> str:
    """Refuses a call politely: Twilio speaks `text` in `language` (e.g. "zh-CN") and hangs up."""
    response = ET.Element("Response")
    ET.SubElement(response, "Say", language=language).text = text
    ET.SubElement(response, "Hangup")
    return _twiml(response)


def request_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1, keyed by the auth token, of the full URL followed by
    each POST parameter's name and value in name order."""
    signed = url + "".join(name + value for name, value in sorted(params.items()))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _with_and_without_port(url: str) -> tuple[str, str]:
    """Twilio signs some requests with the default port in the URL and some without, so both are tried."""
    parts = urlsplit(url)
    if parts.port is not None:
        return url, urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]))
    default_port = 443 if parts.scheme == "https" else 80
    return urlunsplit(parts._replace(netloc=f"{parts.netloc}:{default_port}")), url


def valid_signature(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    """Whether a webhook really came from Twilio (constant-time comparison)."""
    expected = signature.encode("utf-8")
    matches = [hmac.compare_digest(request_signature(auth_token, candidate, params).encode("ascii"), expected)
               for candidate in _with_and_without_port(url)]
    return any(matches)
