#!/usr/bin/python3
"""A central station built on python-hl7 (Debian's python3-hl7), for hl7gate's third-party tests.

It listens on 127.0.0.1:PORT (0 picks a free port), prints "listening PORT" on stdout, and for every
MLLP-framed message it receives appends the message (segments joined by CR) and a newline to OUT,
then answers with python-hl7's own ACK (Message.create_ack, MSA-2 = the message's MSH-10).
ACK_CODE (default AA) sets the acknowledgement code. It never builds its ACK from hl7gate's code.
"""
import asyncio
import sys

import hl7
from hl7.mllp import start_hl7_server


async def main(port, out_path, ack_code):
    out = open(out_path, "a", encoding="utf-8")

    async def handle(reader, writer):
        try:
            while not writer.is_closing():
                msg = await reader.readmessage()
                out.write(str(msg) + "\n")
                out.flush()
                writer.writemessage(msg.create_ack(ack_code=ack_code))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await start_hl7_server(handle, host="127.0.0.1", port=port)
    print("listening", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    port = int(sys.argv[1])
    ack = sys.argv[3] if len(sys.argv) > 3 else "AA"
    try:
        asyncio.run(main(port, sys.argv[2], ack))
    except KeyboardInterrupt:
        pass
