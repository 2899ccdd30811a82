#!/usr/bin/env python3
"""The proxy's cost, measured against calling the upstream directly in the same run.

Usage: proxy_bench.py --direct URL --direct-key KEY --proxy URL --proxy-key PLACEHOLDER
                      [--cafile CA] [--proxy-pid PID] [--runs N] [--streams N]

URLs are base URLs ending in /v1. Prints markdown tables: added latency per non-streamed
request (median, p99), time to first byte of a streamed response, and N concurrent streams
through the proxy (all must complete; the proxy's resident memory is sampled throughout).
Plain http.client with one persistent connection per client, so the figures are the proxy's
and the stand-in's, not an SDK's.
"""
import argparse
import http.client
import json
import ssl
import statistics
import sys
import threading
import time
import urllib.parse

BODY = json.dumps({"model": "gpt-4o-mini",
                   "messages": [{"role": "user", "content": "one two three four"}]}).encode()
STREAM_BODY = json.dumps({"model": "gpt-4o-mini", "stream": True,
                          "messages": [{"role": "user",
                                        "content": " ".join(f"w{i}" for i in range(20))}]}).encode()


class Client:
    def __init__(self, base, key, cafile):
        url = urllib.parse.urlsplit(base)
        self.path = url.path.rstrip("/")
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if url.scheme == "https":
            context = ssl.create_default_context(cafile=cafile)
            self.connect = lambda: http.client.HTTPSConnection(url.hostname, url.port,
                                                               context=context, timeout=60)
        else:
            self.connect = lambda: http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        self.connection = self.connect()

    def post(self, path, body):
        """Seconds to the whole answer; raises on a status other than 200."""
        start = time.perf_counter()
        self.connection.request("POST", self.path + path, body, self.headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"status {response.status}: {data[:200]!r}")
        return time.perf_counter() - start

    def stream(self, body):
        """(seconds to the first body byte, seconds to the end, whole body)."""
        start = time.perf_counter()
        self.connection.request("POST", self.path + "/chat/completions", body, self.headers)
        response = self.connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"status {response.status}")
        first = response.read1(65536)
        ttfb = time.perf_counter() - start
        rest = response.read()
        return ttfb, time.perf_counter() - start, first + rest


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(seconds):
    return f"{seconds * 1000:.2f}"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--direct", required=True)
    ap.add_argument("--direct-key", required=True)
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--proxy-key", required=True)
    ap.add_argument("--cafile")
    ap.add_argument("--proxy-pid", type=int)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--streams", type=int, default=200)
    args = ap.parse_args()

    direct = Client(args.direct, args.direct_key, args.cafile)
    proxied = Client(args.proxy, args.proxy_key, args.cafile)
    for client in (direct, proxied):
        for _ in range(20):
            client.post("/chat/completions", BODY)

    # Interleaved, so that both see the same machine.
    times = {"direct": [], "proxy": []}
    for _ in range(args.runs):
        times["direct"].append(direct.post("/chat/completions", BODY))
        times["proxy"].append(proxied.post("/chat/completions", BODY))
    print(f"\nNon-streamed chat completion, {args.runs} requests each, one keep-alive connection:\n")
    print("| path | median ms | p99 ms |\n|:---|---:|---:|")
    for name in ("direct", "proxy"):
        print(f"| {name} | {ms(statistics.median(times[name]))} | {ms(percentile(times[name], 99))} |")
    print(f"| added by the proxy | {ms(statistics.median(times['proxy']) - statistics.median(times['direct']))}"
          f" | {ms(percentile(times['proxy'], 99) - percentile(times['direct'], 99))} |")

    ttfb = {"direct": [], "proxy": []}
    for _ in range(max(10, args.runs // 6)):
        for name, client in (("direct", direct), ("proxy", proxied)):
            first, _, body = client.stream(STREAM_BODY)
            if b"[DONE]" not in body:
                raise RuntimeError(f"{name}: a stream without [DONE]")
            ttfb[name].append(first)
    print(f"\nStreamed chat completion, time to first byte, {len(ttfb['direct'])} each:\n")
    print("| path | median ms | p99 ms |\n|:---|---:|---:|")
    for name in ("direct", "proxy"):
        print(f"| {name} | {ms(statistics.median(ttfb[name]))} | {ms(percentile(ttfb[name], 99))} |")

    if args.streams:
        concurrent(args, rounds=3)


def concurrent(args, rounds):
    print(f"\n{args.streams} concurrent streams through one proxy, {rounds} rounds"
          " (resident memory of the proxy process, sampled every 20 ms):\n")
    print("| round | streams complete | errors | wall s | RSS before MiB | peak MiB | after MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    failures = 0
    for round_number in range(1, rounds + 1):
        before = rss_kib(args.proxy_pid) if args.proxy_pid else 0
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kib(args.proxy_pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample) if args.proxy_pid else None
        if sampler:
            sampler.start()
        results = []
        lock = threading.Lock()
        barrier = threading.Barrier(args.streams)

        def one():
            try:
                client = Client(args.proxy, args.proxy_key, args.cafile)
                barrier.wait(timeout=60)
                _, _, body = client.stream(STREAM_BODY)
                ok = body.count(b"data: ") >= 22 and b"[DONE]" in body
                with lock:
                    results.append(ok)
            except Exception as error:  # counted, and the first few shown
                with lock:
                    results.append(False)
                    if results.count(False) <= 3:
                        print(f"stream failed: {error}", file=sys.stderr)

        start = time.perf_counter()
        threads = [threading.Thread(target=one) for _ in range(args.streams)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        done.set()
        if sampler:
            sampler.join()
        time.sleep(0.5)
        after = rss_kib(args.proxy_pid) if args.proxy_pid else 0
        complete = results.count(True)
        failures += len(results) - complete
        print(f"| {round_number} | {complete}/{args.streams} | {len(results) - complete} | {wall:.2f} "
              f"| {before / 1024:.1f} | {peak[0] / 1024:.1f} | {after / 1024:.1f} |")
    if failures:
        sys.exit(f"{failures} streams failed")


if __name__ == "__main__":
    main()
