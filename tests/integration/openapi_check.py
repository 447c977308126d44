#!/usr/bin/python3
"""Checks recorded HTTP API exchanges against docs/openapi.yaml.

Usage: openapi_check.py SPEC EXCHANGES.json
EXCHANGES is a JSON list of {"method", "path", "status", "content_type", "headers", "body"}.
Each answer must be a status the spec lists for its operation, with a body that
its schema accepts (Debian's python3-jsonschema, JSON Schema 2020-12 as OpenAPI
3.1 uses) and the headers it names. Prints each problem; exits 1 if there is any.
"""
import json
import sys

import yaml
from jsonschema import Draft202012Validator, RefResolver


def main(spec_path, exchanges_path):
    with open(spec_path, encoding="utf-8") as spec_file:
        spec = yaml.safe_load(spec_file)
    Draft202012Validator.check_schema({"$defs": spec["components"]["schemas"]})
    with open(exchanges_path, encoding="utf-8") as exchanges_file:
        exchanges = json.load(exchanges_file)
    resolver = RefResolver.from_schema(spec)
    problems = []
    for number, exchange in enumerate(exchanges):
        where = f'#{number} {exchange["method"]} {exchange["path"]} -> {exchange["status"]}'
        operation = spec["paths"].get(exchange["path"].split("?")[0], {}).get(exchange["method"].lower())
        if operation is None:
            problems.append(f"{where}: no such operation in the spec")
            continue
        response = operation["responses"].get(str(exchange["status"]))
        if response is None:
            problems.append(f"{where}: status not in the spec")
            continue
        media = exchange["content_type"].split(";")[0].strip()
        content = response.get("content", {})
        if media not in content:
            problems.append(f"{where}: content type {media} not in the spec ({', '.join(content)})")
            continue
        body = json.loads(exchange["body"]) if media == "application/json" else exchange["body"]
        validator = Draft202012Validator(content[media]["schema"], resolver=resolver)
        for error in validator.iter_errors(body):
            problems.append(f"{where}: {error.json_path}: {error.message}")
        for name in response.get("headers", {}):
            if name.lower() not in {key.lower() for key in exchange.get("headers", {})}:
                problems.append(f"{where}: header {name} missing")
    for problem in problems:
        print(problem)
    print(f"{len(exchanges)} exchanges checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
