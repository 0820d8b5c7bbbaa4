"""The telephone transport: a Twilio Media Streams WebSocket driving one `CallSession`.

The socket's receive loop runs on the event loop and stays cheap (decode μ-law,
feed the endpointer); the session's threads send the agent's side back through
`TwilioOutput`, which hands each message to the loop. A stream joins a call
only with the one-time media token its TwiML carried (`<Parameter>`s `call`
and `token`), so nobody can attach to someone else's call.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from fastapi import WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketDisconnected

from settle.services import Services
from settle.voice.call import HeardTurn
from settle.voice.calls import answer
from settle.voice.codec import telephone_audio, telephone_bytes
from settle.voice.recording import CallRecorder
from settle.voice.twilio import (
    MULAW_RATE,
    Mark,
    Media,
    ProtocolError,
    Start,
    Stop,
    clear_message,
    mark_message,
    media_message,
    parse_event,
)
from settle.voice.types import Audio

log = logging.getLogger(__name__)

# agent audio goes out in pieces of this many μ-law bytes (one second): small enough that a `clear`
# leaves little in flight, few enough that a reply is a handful of messages
MEDIA_CHUNK = MULAW_RATE
HANG_UP = None  # what the outbox carries to close the socket


class TwilioOutput:
    """The agent's side of the call, as Media Streams messages; safe to call from any thread."""

    rate = MULAW_RATE

    def __init__(self, stream_sid: str, send: Callable[[str | None], None]) -> None:
        self.stream_sid = stream_sid
        self._send = send

    def play(self, audio: Audio) -> None:
        payload = telephone_bytes(audio)
        for start in range(0, len(payload), MEDIA_CHUNK):
            self._send(media_message(self.stream_sid, payload[start : start + MEDIA_CHUNK]))

    def mark(self, name: str) -> None:
        self._send(mark_message(self.stream_sid, name))

    def clear(self) -> None:
        self._send(clear_message(self.stream_sid))

    def hang_up(self) -> None:
        self._send(HANG_UP)


class _Refused(Exception):
    """The stream may not join a call; the socket closes with this reason."""


async def serve_media_stream(websocket: WebSocket, services: Services, on_turn: Callable[[HeardTurn], None] | None = None) -> None:
    """The whole life of one Media Streams socket: join the call, run it, end it."""
    await websocket.accept()
    loop = asyncio.get_running_loop()
    outbox: asyncio.Queue[str | None] = asyncio.Queue()
    sender = asyncio.create_task(_send_all(websocket, outbox))
    send = lambda message: loop.call_soon_threadsafe(outbox.put_nowait, message)  # noqa: E731
    session = None
    try:
        async for text in websocket.iter_text():
            event = parse_event(text)
            if isinstance(event, Start):
                if session is not None:
                    raise ProtocolError("a second `start` on one stream")
                session = await asyncio.to_thread(_join, services, event, TwilioOutput(event.stream_sid, send), on_turn)
                if session is None:
                    send(HANG_UP)  # nothing may be said: a machine, no voicemail
            elif session is None:
                continue  # `connected`, or media before `start` (Twilio sends none)
            elif isinstance(event, Media):
                session.hear(telephone_audio(event.payload))
            elif isinstance(event, Mark):
                session.played(event.name)
            elif isinstance(event, Stop):
                break
    except (WebSocketDisconnect, WebSocketDisconnected):
        pass  # the caller hung up, or the agent did (the sender closed the socket)
    except ProtocolError as exc:
        log.warning("media stream refused: %s", exc.reason)
        send(HANG_UP)
        await _close(websocket, 1008, exc.reason)
    except _Refused as exc:
        await _close(websocket, 1008, str(exc))
    finally:
        if session is not None:
            session.close()
        send(HANG_UP)
        await sender


def _join(services: Services, start: Start, output: TwilioOutput, on_turn):
    """The call this stream belongs to, answered; the media token is good for one stream only."""
    call_id, token = start.custom_parameters.get("call"), start.custom_parameters.get("token")
    if not call_id or not token:
        raise _Refused("the stream has no `call` and `token` parameters")
    call = services.store.claim_call_media(call_id, token)
    if call is None:
        raise _Refused("unknown call, wrong token, or the call already has its stream")
    answered = answer(services, call, output, MULAW_RATE, recorder_for=CallRecorder, on_turn=on_turn)
    return answered.session if answered is not None else None


async def _send_all(websocket: WebSocket, outbox: asyncio.Queue[str | None]) -> None:
    """Everything the session sends, in order, until it hangs up (closing the socket ends the call)."""
    try:
        while (message := await outbox.get()) is not HANG_UP:
            await websocket.send_text(message)
        await _close(websocket, 1000, "call ended")
    except (WebSocketDisconnect, RuntimeError):
        pass  # the caller went first


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await websocket.close(code=code, reason=reason[:120])
    except RuntimeError:
        pass  # already closed
