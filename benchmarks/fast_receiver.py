"""A minimal asyncio HTTP/1.1 receiver for the delivery benchmark: answers 200 after DELAY s.

``python -m benchmarks.fast_receiver PORT DELAY``; prints "ready" once listening
on 127.0.0.1. Keep-alive, Content-Length bodies only: what the sender speaks.
It counts requests and prints the count on SIGTERM.
"""

import asyncio
import signal
import sys

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class Receiver(asyncio.Protocol):
    count = 0
    delay = 0.0

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").lower()
            length = 0
            for line in head.split("\r\n"):
                if line.startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            Receiver.count += 1
            if Receiver.delay:
                asyncio.get_running_loop().call_later(Receiver.delay, self._answer)
            else:
                self._answer()

    def _answer(self):
        if not self.transport.is_closing():
            self.transport.write(RESPONSE)


async def main(port, delay):
    Receiver.delay = delay
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Receiver, "127.0.0.1", port, backlog=1024)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()
    print(Receiver.count, flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
