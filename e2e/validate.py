#!/usr/bin/env python3
"""Each committed OpenAPI document (v1–v3 and the façades) validates as OpenAPI 3.1 and has no reference to a schema it lacks."""
import json
import re
import sys
from pathlib import Path

from openapi_spec_validator import validate

failed = False
for path in sorted(Path(__file__).resolve().parent.parent.glob("openapi/*.json")):
    document = json.loads(path.read_text())
    try:
        validate(document)
    except Exception as error:  # the validator's own error names the place
        print(f"{path.name}: {str(error)[:2000]}")
        failed = True
        continue
    named = set(document.get("components", {}).get("schemas", {}))
    dangling = sorted(set(re.findall(r'"#/components/schemas/([^"]+)"', path.read_text())) - named)
    if dangling:
        print(f"{path.name}: references to missing schemas: {dangling}")
        failed = True
        continue
    print(f"{path.name}: valid OpenAPI {document['openapi']}, {len(document['paths'])} paths")
sys.exit(1 if failed else 0)
