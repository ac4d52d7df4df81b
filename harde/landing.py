"""The page at ``/``: what this server is and where to go next, until the web app takes its place.

An invite link opens ``/?invite=...``; the page names the invite and shows how to redeem it with
the API, so the link a trial user receives leads somewhere useful rather than to a 404.
"""

from __future__ import annotations

from html import escape

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hard-E</title>
<style>
  body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; padding: 0 1rem; }}
  code, pre {{ background: #f1f3f6; border-radius: 4px; padding: 0.1rem 0.3rem; }}
  pre {{ padding: 0.8rem; overflow-x: auto; }}
  a {{ color: #0b57d0; }}
</style>
</head>
<body>
<main>
<h1>Hard-E</h1>
<p>The voice-first AI sales director for contracting companies: it works a company's Leap CRM
by phone, in the browser and by text. This server is running.</p>
{invite}
<ul>
  <li><a href="{base}/widget">Talk to Hard-E in your browser</a> (the widget; it needs a link with a
  widget token: <code>harde serve</code> prints one for the demo company)</li>
  <li><a href="{base}/docs">API documentation</a> (every endpoint, try them out)</li>
  <li><a href="{base}/healthz">/healthz</a> and <a href="{base}/readyz">/readyz</a>: is it up, are its
  dependencies answering</li>
</ul>
<p>The browser app (onboarding, the console) is not part of this version yet.</p>
</main>
</body>
</html>
"""

_INVITE = """<h2>Your invite</h2>
<p>Redeem it to start your trial:</p>
<pre>curl -X POST {base}/v1/invites/redeem -H 'Content-Type: application/json' \\
  -d '{{"code": "{code}", "company_name": "Your Company", "your_name": "Your Name"}}'</pre>
<p>The answer holds your new company and a widget token: open
<code>{base}/widget?token=YOUR_TOKEN</code> to talk to Hard-E in your browser, or send it as
<code>Authorization: Bearer</code> to <code>POST /v1/conversations</code> to talk to Hard-E by text. The
<a href="{base}/docs">API documentation</a> says what each field means.</p>
"""


def landing_page(public_url: str, invite: str | None = None) -> str:
    base = escape(public_url.rstrip("/"))
    part = _INVITE.format(base=base, code=escape(invite)) if invite else ""
    return _PAGE.format(base=base, invite=part)
