#!/usr/bin/env python
"""Container health check (Docker HEALTHCHECK, compose): is /__lbheartbeat__ answering 200?

Standard library only, so it works in the slim image without curl.
"""

import os
import sys
import urllib.request

url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/__lbheartbeat__"
try:
    with urllib.request.urlopen(url, timeout=2) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:
    print(f"{url}: {exc}", file=sys.stderr)
    sys.exit(1)
