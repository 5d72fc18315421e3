"""Static server of the web chat (`make web`): serves web/ on 127.0.0.1, and /config.js, which
tells the page where Rasa's socket.io server is. A Content-Security-Policy keeps the page off the
internet: it may load only from this server and talk only to Rasa (the widget's stylesheet asks
for a web font, which the browser then does not fetch).

Usage: python scripts/web_server.py --port 8080 --rasa-url http://127.0.0.1:5005
"""

import argparse
import functools
import json
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

WEB = Path(__file__).resolve().parent.parent / "web"


class WebChatHandler(SimpleHTTPRequestHandler):
    """Files from web/, and /config.js made from the server's settings."""

    rasa_url = "http://127.0.0.1:5005"

    def content_security_policy(self) -> str:
        """This server's files only; network connections to Rasa only (HTTP and websocket)."""
        rasa = urlsplit(self.rasa_url)
        socket = f"{'wss' if rasa.scheme == 'https' else 'ws'}://{rasa.netloc}"
        return ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "font-src 'self' data:; "
                f"connect-src 'self' {rasa.scheme}://{rasa.netloc} {socket}")

    def end_headers(self) -> None:
        """Every answer carries the page's Content-Security-Policy."""
        self.send_header("Content-Security-Policy", self.content_security_policy())
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        """Answers /config.js itself; everything else is a file under web/."""
        if self.path.split("?", 1)[0] == "/config.js":
            body = f"window.BOT_CONFIG = {json.dumps({'socketUrl': self.rasa_url})};\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


def main() -> None:
    """Serves web/ until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    args = parser.parse_args()
    handler = type("Handler", (WebChatHandler,), {"rasa_url": args.rasa_url})
    server = ThreadingHTTPServer((args.host, args.port),
                                 functools.partial(handler, directory=str(WEB)))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
