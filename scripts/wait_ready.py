"""Wait until every service answers, then say where the pages are.

Runs under honcho beside the services, and stays (idle) afterwards, because
honcho stops everything when one of its processes ends.
"""
import os
import time

import httpx

api = os.environ.get("API_URL", "http://127.0.0.1:8000")
deadline = time.monotonic() + 300
status = {}
while time.monotonic() < deadline:
    try:
        response = httpx.get(f"{api}/health", timeout=3)
        status = response.json().get("checks", {})
        if response.status_code == 200:
            break
    except (httpx.HTTPError, ValueError):
        pass
    time.sleep(2)
else:
    print(f"Some services are still not answering: {status}. See the lines above.")

print(
    "\n  The family hub front door is running:\n"
    f"    Web chat:        {api}/chat  (as a widget on a council page: {api}/chat/demo-host)\n"
    f"    Staff pages:     {api}/staff  (with DEMO_MODE=true in .env, demo logins:\n"
    "                     data/demo/staff.yml, password DEMO_STAFF_PASSWORD in .env)\n"
    f"    Referral queue:  {api}/staff/queue\n"
    f"    Sessions:        {api}/staff/sessions\n"
    f"    Content:         {api}/staff/content  (and what we could not answer: {api}/staff/unanswered)\n"
    f"    Texting (SMS):   {api}/staff/sms-simulator  (when no Twilio account is set)\n"
    f"    Health:          {api}/health\n"
    "  Press Ctrl+C to stop.\n",
    flush=True,
)
while True:
    time.sleep(3600)
