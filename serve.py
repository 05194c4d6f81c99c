"""The server's entry point: ``streamlit run serve.py`` (``make run``, scripts/replicas.py,
scripts/load.py and the tests start it so).

Streamlit finds ``app`` below (a ``streamlit.starlette.App``) and serves it with uvicorn: the
pages are still streamlit_app.py (the router) and pages/; what this adds are the process
guards of ui/server_guard.py, in place before the server answers its first request (issue 27):
the ASGI middleware (metrics closed, uploads bounded per session, address and in all, widget
texts and client messages bounded, ``clear_cache`` from clients dropped, websockets per client
address capped, security headers) and the lifespan (runtime hooks, uvicorn's frame limit, log
redaction). ``streamlit run streamlit_app.py`` still works, but guards only from its first
script run on (docs/SECURITY.md).
"""

from starlette.middleware import Middleware
from streamlit.starlette import App

from ui.server_guard import GuardMiddleware, lifespan

app = App("streamlit_app.py", middleware=[Middleware(GuardMiddleware)], lifespan=lifespan)
