"""A tile server on 127.0.0.1 for the offline-pack tests: the `custom` provider a deployment would
run, drawing each /{z}/{x}/{y}.png on request (Pillow) so no tile file is committed.

The tiles are not blank: each carries its address and some texture, so their sizes vary from tile to
tile and zoom to zoom as real tiles do, and a pack's size estimate (a few sampled tiles times the
tile count) is tested against something that behaves like a real provider. Every request is
counted, so a test can tell a tile served from a pack (no request here) from one fetched again.

By hand: `python -m tests.tile_server 8765`, then PORTAL_TILE_PROVIDER=custom
PORTAL_TILE_URL=http://127.0.0.1:8765/{z}/{x}/{y}.png make run.
"""

from __future__ import annotations

import io
import random
import re
import sys
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw

TILE = re.compile(r"^/(\d{1,2})/(\d+)/(\d+)\.png$")


@lru_cache(maxsize=4096)
def tile_png(z: int, x: int, y: int) -> bytes:
    rng = random.Random(z * 1_000_003 + x * 7919 + y)
    image = Image.new("RGB", (256, 256), (236, 240, 232))
    draw = ImageDraw.Draw(image)
    # fields and roads: more detail at higher zooms, as on a real map
    for _ in range(6 + 2 * z):
        x0, y0 = rng.randrange(256), rng.randrange(256)
        shade = (rng.randrange(170, 235), rng.randrange(190, 240), rng.randrange(160, 220))
        draw.rectangle([x0, y0, x0 + rng.randrange(8, 60), y0 + rng.randrange(8, 60)], fill=shade)
    for _ in range(z):
        draw.line([rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(256)], fill=(250, 250, 250), width=rng.randrange(2, 5))
    draw.text((8, 8), f"{z}/{x}/{y}", fill=(60, 60, 60))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


class TileServer:
    """Serves tiles in a thread; `url` is the Leaflet template, `requests` the paths asked for."""

    def __init__(self, port: int = 0):
        self.requests: list[str] = []
        self.down = False  # True: every tile answers 503, as an unreachable provider
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                m = TILE.match(self.path)
                if server.down:
                    self.send_error(503)
                    return
                if not m:
                    self.send_error(404)
                    return
                body = tile_png(*(int(g) for g in m.groups()))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")  # as tile servers send, so a pack can store them
                # never from the browser's HTTP cache: offline, a tile shown came from the pack
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":
    with TileServer(int(sys.argv[1]) if len(sys.argv) > 1 else 8765) as tiles:
        print(f"Tiles at {tiles.url}")
        tiles.thread.join()
