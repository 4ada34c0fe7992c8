"""python-socketio's asyncio client (Debian's python3-socketio on python3-aiohttp) against a
server under test: a fixed scenario, then one JSON report on stdout.

Usage: client.py <url> <transports, comma-separated: polling | websocket | polling,websocket>
Exits 0 after printing the report; any failure escapes as a traceback (exit status 1).
"""
import asyncio
import json
import sys

import socketio


async def main(url, transports):
    sio = socketio.AsyncClient(reconnection=False)
    report = {"events": [], "questions": []}
    welcome = {"/": asyncio.Event(), "/admin": asyncio.Event()}

    def register(ns):
        @sio.on("welcome", namespace=ns)
        async def on_welcome(data):
            report["events"].append([ns, "welcome", data])
            welcome[ns].set()

        @sio.on("question", namespace=ns)
        async def on_question(n):
            report["questions"].append([ns, n])
            return n * 2  # the acknowledgement

    register("/")
    register("/admin")

    bounced = asyncio.get_running_loop().create_future()
    sio.on("bounced", lambda *args: bounced.set_result(list(args)))
    pushed = asyncio.get_running_loop().create_future()
    sio.on("pushed", lambda data: pushed.set_result(data))

    await sio.connect(
        url,
        transports=transports,
        namespaces=["/", "/admin"],
        auth={"token": "py"},
        wait_timeout=10,
    )
    for ns in welcome:
        await asyncio.wait_for(welcome[ns].wait(), 10)
    if "websocket" in transports and "polling" in transports:
        # The upgrade is probed in the background after connect: wait for it to finish.
        for _ in range(200):
            if sio.eio.current_transport == "websocket":
                break
            await asyncio.sleep(0.05)
    report["transport"] = sio.eio.current_transport
    report["sid"] = sio.get_sid("/")
    report["adminSid"] = sio.get_sid("/admin")

    # Client -> server, with acks (call() waits for the acknowledgement).
    report["echo"] = await sio.call("echo", {"n": 1, "list": [1, "two", None]}, timeout=10)
    report["adminEcho"] = await sio.call("echo", "admin", namespace="/admin", timeout=10)
    # Events both ways without acks.
    await sio.emit("bounce", ["a", 1])
    report["bounced"] = await asyncio.wait_for(bounced, 10)
    # Server -> client with an ack: the server asks, we answer, it reports the answer.
    answered = asyncio.get_running_loop().create_future()
    sio.on("answer", lambda a: answered.set_result(a))
    await sio.emit("ask-me", 21)
    report["answer"] = await asyncio.wait_for(answered, 10)
    # Binary both ways: bytes in an ack, and bytes pushed by the server.
    reply = await sio.call("binary", {"bytes": b"\x01\x02\x03\xff"}, timeout=10)
    report["binaryAck"] = {"hex": reply["reversed"].hex(), "type": type(reply["reversed"]).__name__}
    await sio.emit("push-binary")
    data = await asyncio.wait_for(pushed, 10)
    report["pushed"] = {"hex": data["bytes"].hex(), "type": type(data["bytes"]).__name__}
    await sio.disconnect()
    print(json.dumps(report), flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2].split(",")))
