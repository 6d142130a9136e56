"""The Jinja2 templates of the pages, loaded from the package (autoescaped)."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

from onboarding.domain.party import kind_of
from onboarding.web.forms import field_id
from onboarding.web.party_paths import party_path

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"

# A file loader only: building it touches no server.
templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.filters["field_id"] = field_id
# Every link to a party's page: /municipalities/5001, /parties/gp-923609016.
templates.env.globals["party_path"] = party_path
templates.env.globals["party_kind"] = kind_of
