"""python-socketio (Debian's python3-socketio) on aiohttp, as a peer for our client.

Listens on 127.0.0.1 on a free port (port 0), prints "listening <port>" on stdout once it
accepts connections, and runs until its stdin closes or it gets SIGTERM. Namespaces "/" and
"/admin"; any other namespace is refused by python-socketio itself.
"""
import asyncio
import signal
import sys
import threading

import socketio
from aiohttp import web

sio = socketio.AsyncServer(async_mode="aiohttp", namespaces=["/", "/admin"])
app = web.Application()
sio.attach(app)


def register(ns):
    @sio.event(namespace=ns)
    async def connect(sid, environ, auth=None):
        await sio.emit("welcome", {"nsp": ns, "auth": auth}, to=sid, namespace=ns)

    @sio.on("echo", namespace=ns)
    async def echo(sid, *args):
        # The return value is the acknowledgement (a tuple is several arguments).
        return args

    @sio.on("bounce", namespace=ns)
    async def bounce(sid, *args):
        # A tuple is sent as that many arguments.
        await sio.emit("bounced", args, to=sid, namespace=ns)

    @sio.on("ask-me", namespace=ns)
    async def ask_me(sid, n):
        answer = await sio.call("question", n, to=sid, namespace=ns, timeout=10)
        await sio.emit("answer", answer, to=sid, namespace=ns)

    @sio.on("binary", namespace=ns)
    async def binary(sid, data):
        # bytes in (inside an object), bytes out reversed inside another: a BINARY_ACK
        return {"reversed": bytes(reversed(data["bytes"])), "length": len(data["bytes"])}

    @sio.on("push-binary", namespace=ns)
    async def push_binary(sid):
        await sio.emit("pushed", {"bytes": b"\x01\x02\x03"}, to=sid, namespace=ns)


register("/")
register("/admin")


async def main():
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # The test holds our stdin: when it goes away (even killed), so do we.
    threading.Thread(
        target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True
    ).start()
    await stop.wait()
    await runner.cleanup()


asyncio.run(main())
