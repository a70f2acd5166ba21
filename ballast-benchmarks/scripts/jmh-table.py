#!/usr/bin/env python3
"""Prints a Markdown table of a JMH JSON result with ratios against named peers.

Usage: jmh-table.py RESULT.json [--param subject] [--peers handwritten,resilience4j,failsafe]
Ratios are score(subject) / score(peer) for the same benchmark method: below 1.0 means faster than the peer.
"""
import argparse
import json


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("result")
    parser.add_argument("--param", default="subject")
    parser.add_argument("--peers", default="handwritten,resilience4j,failsafe")
    args = parser.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    with open(args.result) as f:
        runs = json.load(f)

    table = {}  # method -> subject -> (score, error, alloc)
    order = []
    for run in runs:
        method = run["benchmark"].rsplit(".", 1)[1]
        subject = run["params"][args.param]
        primary = run["primaryMetric"]
        alloc = run.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        table.setdefault(method, {})[subject] = (primary["score"], primary["scoreError"], alloc, primary["scoreUnit"])
        if subject not in order:
            order.append(subject)

    header = "| method | subject | score | ± error | B/op | " + " | ".join("x " + p for p in peers) + " |"
    print(header)
    print("|" + "---|" * (5 + len(peers)))
    for method in sorted(table):
        for subject in order:
            if subject not in table[method]:
                continue
            score, error, alloc, unit = table[method][subject]
            ratios = []
            for peer in peers:
                peer_score = table[method].get(peer, (None,))[0]
                ratios.append("%.2f" % (score / peer_score) if peer_score else "-")
            alloc_text = "-" if alloc is None else ("0" if alloc < 0.5 else "%.0f" % alloc)
            print("| %s | %s | %.1f %s | %.1f | %s | %s |"
                  % (method, subject, score, unit, error, alloc_text, " | ".join(ratios)))


if __name__ == "__main__":
    main()
