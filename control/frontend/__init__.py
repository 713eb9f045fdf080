"""The web front end (SPEC §4.4): a single page served by control at `/`, outside `/api`.

Plain files (HTML, CSS, JavaScript modules) under `static/`, no build step: `pages.py`
serves `index.html` with a strict Content-Security-Policy and the assets under a versioned
path, so browsers may cache them for good. The page uses only the public API.
"""

from __future__ import annotations

from control.frontend.pages import frontend_routes

__all__ = ["frontend_routes"]
