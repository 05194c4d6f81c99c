"""One Streamlit client at protocol level (what a browser tab or an attacker's script sends).

``session.StreamlitSession`` is a browser tab (asyncio; ``scripts/load.py``, the browser and
security tests); ``page.Page`` the page it keeps (element tree, widget states, message cache);
``widgets`` the widget states a tab registers and sends; ``http`` its plain HTTP requests
(``requests``) and the stream's handshake; ``raw.Client`` the same handshake for attack tests
that send hand-built BackMsgs (synchronous); ``errors`` what goes wrong.
"""
