"""The security headers of every HTML response: the pages and the API docs.

A Content-Security-Policy without inline scripts or styles (everything comes
from files this app serves), frame denial, no sniffing. The pages add them by
middleware (onboarding/web), /docs by itself (onboarding/api/docs.py).
"""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
