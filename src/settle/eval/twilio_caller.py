"""A simulated Twilio: what Twilio does on a call, driven by a script, against a running Settle.

It signs and posts the call's webhook, reads the TwiML, opens the media stream
the TwiML names, and then behaves as the telephone line does: it sends the
borrower's audio as base64 μ-law 8 kHz frames of 20 ms, and silence between
utterances (paced in real time, as a line is), receives the agent's `media`,
answers its `mark`s once the audio before them has "played", and obeys
`clear`. The end-to-end tests and `settle bench voice` both call through it.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import httpx
import numpy as np

from settle.voice.codec import telephone_audio, telephone_bytes
from settle.voice.twilio import request_signature
from settle.voice.types import Audio

FRAME_BYTES = 160  # 20 ms of μ-law at 8 kHz
FRAME_S = 0.02
SILENCE = b"\xff" * FRAME_BYTES  # μ-law silence


class CallEnded(Exception):
    """The agent hung up while a turn was awaited."""


@dataclass
class AgentTurn:
    """The agent's audio of one turn (up to its `turn<N>` mark), and when its first byte arrived."""

    audio: Audio
    first_audio_at: float | None
    cleared: bool


@dataclass
class _Heard:
    chunks: list[bytes] = field(default_factory=list)
    first_at: float | None = None
    cleared: bool = False


class SimulatedTwilioCall:
    """One call. `playback`: "instant" answers marks at once (the agent's audio is taken as heard
    as soon as it arrives); "realtime" answers each once the audio before it would have played
    (and `listen()` waits for that, as a borrower hears a reply out before answering); "hold"
    answers none until `release_marks()` (the agent is still talking — a barge-in test speaks over it)."""

    def __init__(self, base_url: str, auth_token: str, playback: str = "instant", fast_speech: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth_token = auth_token
        self.playback = playback
        self.fast_speech = fast_speech
        self.stream_sid = f"MZ{np.random.default_rng().integers(1 << 60):032x}"
        self.call_sid = f"CA{np.random.default_rng().integers(1 << 60):032x}"
        self._socket = None
        self._speech: asyncio.Queue[tuple[bytes, asyncio.Future | None]] = asyncio.Queue()
        self._turns: asyncio.Queue[AgentTurn] = asyncio.Queue()
        self._heard = _Heard()
        self._held: list[str] = []
        self._tasks: list[asyncio.Task] = []
        self.closed = asyncio.Event()
        self.close_reason: str | None = None
        self.sent_audio_s = 0.0
        self._played_until = 0.0  # monotonic time the agent audio received so far ends playing

    # -- the webhook -------------------------------------------------------------------------
    async def webhook(self, url: str, form: dict[str, str]) -> httpx.Response:
        """POST a Twilio webhook, signed as Twilio signs it."""
        form = {"CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, **form}
        signature = request_signature(self.auth_token, url, form)
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(url, data=form, headers={"X-Twilio-Signature": signature})

    async def answer(self, twiml_url: str, form: dict[str, str]) -> None:
        """Twilio's side of an answered call: fetch the TwiML, open the stream it connects to."""
        response = await self.webhook(twiml_url, form)
        response.raise_for_status()
        stream = ET.fromstring(response.text).find("./Connect/Stream")
        if stream is None:
            raise AssertionError(f"the TwiML connects no stream: {response.text}")
        parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
        await self.open_stream(stream.get("url"), parameters)

    # -- the media stream --------------------------------------------------------------------
    async def open_stream(self, url: str, parameters: dict[str, str]) -> None:
        from websockets.asyncio.client import connect

        self._socket = await connect(url, max_size=None)
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send({
            "event": "start", "sequenceNumber": "1", "streamSid": self.stream_sid,
            "start": {"streamSid": self.stream_sid, "accountSid": "AC" + "0" * 32, "callSid": self.call_sid,
                      "tracks": ["inbound"], "customParameters": parameters,
                      "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}},
        })
        self._tasks = [asyncio.create_task(self._line()), asyncio.create_task(self._receive())]

    async def say(self, audio: Audio) -> float:
        """Send the borrower's speech; returns the moment its last frame went out (the end of speech),
        `CallEnded` if the line closes first."""
        done = asyncio.get_running_loop().create_future()
        await self._speech.put((telephone_bytes(audio), done))
        return await self._unless_closed(done, None, "the end of the borrower's speech")

    async def agent_turn(self, timeout: float = 120.0) -> AgentTurn:
        """The agent's next whole turn; `CallEnded` if the agent hangs up first."""
        return await self._unless_closed(asyncio.ensure_future(self._turns.get()), timeout, "the agent's next turn")

    async def _unless_closed(self, awaited: asyncio.Future, timeout: float | None, what: str):
        closed = asyncio.ensure_future(self.closed.wait())
        done, _ = await asyncio.wait({awaited, closed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        closed.cancel()
        if awaited in done:
            return awaited.result()
        awaited.cancel()
        if not done:
            raise TimeoutError(f"waited {timeout} s for {what}")
        raise CallEnded(f"the call ended before {what} ({self.close_reason or 'no reason given'})")

    async def listen(self) -> None:
        """Hear the agent's audio out (with realtime playback): wait until it has all played."""
        await asyncio.sleep(max(0.0, self._played_until - time.monotonic()))

    def release_marks(self) -> None:
        """The agent's audio so far has played: answer the marks held back."""
        held, self._held = self._held, []
        for name in held:
            asyncio.ensure_future(self._mark(name))

    async def hang_up(self) -> None:
        if self._socket is not None and not self.closed.is_set():
            try:
                await self._send({"event": "stop", "streamSid": self.stream_sid,
                                  "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_sid}})
            except Exception:
                pass
            await self._socket.close()
        await self.wait_closed()

    async def wait_closed(self, timeout: float = 30.0) -> None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        for task in self._tasks:
            task.cancel()

    async def _line(self) -> None:
        """The telephone line: the borrower's speech when there is some, else silence, every 20 ms."""
        chunk = 0
        next_at = time.monotonic()
        try:
            while not self.closed.is_set():
                try:
                    payload, done = self._speech.get_nowait()
                except asyncio.QueueEmpty:
                    payload, done = SILENCE, None
                for start in range(0, len(payload), FRAME_BYTES):
                    frame = payload[start : start + FRAME_BYTES]
                    chunk += 1
                    await self._send({"event": "media", "streamSid": self.stream_sid, "sequenceNumber": str(chunk + 1),
                                      "media": {"track": "inbound", "chunk": str(chunk),
                                                "timestamp": str(round(self.sent_audio_s * 1000)),
                                                "payload": base64.b64encode(frame).decode()}})
                    self.sent_audio_s += len(frame) / 8000
                    next_at += len(frame) / 8000
                    if done is None or not self.fast_speech:
                        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                if done is not None:
                    next_at = time.monotonic()
                    done.set_result(time.monotonic())
        except Exception:
            self.closed.set()

    async def _receive(self) -> None:
        try:
            async for text in self._socket:
                message = json.loads(text)
                event = message.get("event")
                if event == "media":
                    now = time.monotonic()
                    if self._heard.first_at is None:
                        self._heard.first_at = now
                    payload = base64.b64decode(message["media"]["payload"])
                    self._heard.chunks.append(payload)
                    self._played_until = max(now, self._played_until) + len(payload) / 8000
                elif event == "clear":
                    self._heard.cleared = True
                    self._played_until = time.monotonic()
                    self.release_marks()  # Twilio answers the pending marks at once on a clear
                elif event == "mark":
                    await self._played(message["mark"]["name"])
        except Exception:
            pass
        finally:
            self.close_reason = getattr(self._socket, "close_reason", None)
            self.closed.set()

    async def _played(self, name: str) -> None:
        if name.startswith("turn"):
            heard, self._heard = self._heard, _Heard()
            samples = telephone_audio(b"".join(heard.chunks)).samples if heard.chunks else np.zeros(0, np.float32)
            await self._turns.put(AgentTurn(Audio(samples, 8000), heard.first_at, heard.cleared))
        if self.playback == "hold":
            self._held.append(name)
        elif self.playback == "realtime":
            asyncio.ensure_future(self._mark(name, delay=self._played_until - time.monotonic()))
        else:
            await self._mark(name)

    async def _mark(self, name: str, delay: float = 0.0) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        if not self.closed.is_set():
            await self._send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    async def _send(self, message: dict) -> None:
        await self._socket.send(json.dumps(message))
