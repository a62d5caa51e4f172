"""Which ASGI stack serves a policy check fastest: Starlette or FastAPI, both on uvicorn.

The same endpoint on both (query parameters in, one JSON object out, a header read), each in
its own uvicorn process on loopback, asked sequentially over one keep-alive connection by
the standard library's http.client. A bare ASGI callable on the same server is the
baseline: what neither framework can go below.

    python benchmarks/asgi_choice.py --requests 5000
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import socket
import statistics
import time
from typing import Any

BODY = {"allowed": True, "maturity_required": None, "reason": "ok", "rule": "x", "revision": "r"}


def bare_app() -> Any:
    import json  # noqa: PLC0415

    payload = json.dumps(BODY).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app


def starlette_app() -> Any:
    from starlette.applications import Starlette  # noqa: PLC0415
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    async def check(request: Request) -> JSONResponse:
        _ = request.headers.get("authorization"), request.query_params.get("package_name")
        return JSONResponse(BODY)

    return Starlette(routes=[Route("/api/packages/check", check)])


def fastapi_app() -> Any:
    from fastapi import FastAPI, Header  # noqa: PLC0415

    async def check(
        package_name: str, version: str, authorization: str = Header("")
    ) -> dict[str, Any]:
        return BODY

    app = FastAPI()
    app.add_api_route("/api/packages/check", check, methods=["GET"])
    return app


FACTORIES = {"bare ASGI": bare_app, "starlette": starlette_app, "fastapi": fastapi_app}


def serve(name: str, port: int) -> None:
    import uvicorn  # noqa: PLC0415

    uvicorn.run(FACTORIES[name](), host="127.0.0.1", port=port, log_level="error")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(port: int, requests: int) -> list[float]:
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/packages/check?package_name=a&version=1")
            conn.getresponse().read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    path = "/api/packages/check?package_name=pyyaml&version=6.0.2"
    headers = {"Authorization": "Bearer sgt_x"}
    for _ in range(200):  # warm up
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        samples.append(time.perf_counter() - start)
        assert response.status == 200
    conn.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    results = {}
    for name in FACTORIES:
        port = free_port()
        process = multiprocessing.Process(target=serve, args=(name, port), daemon=True)
        process.start()
        try:
            samples = sorted(measure(port, args.requests))
        finally:
            process.terminate()
            process.join()
        results[name] = samples
    base = statistics.median(results["bare ASGI"])
    print(f"{args.requests} sequential keep-alive requests per stack (uvicorn, loopback)")
    for name, samples in results.items():
        median = statistics.median(samples)
        p99 = samples[int(len(samples) * 0.99)]
        print(
            f"  {name:<10} median {median * 1e6:7.0f} us  p99 {p99 * 1e6:7.0f} us  "
            f"x{median / base:.2f} bare  {1 / median:8.0f} req/s sequential"
        )


if __name__ == "__main__":
    main()
