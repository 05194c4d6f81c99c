"""AppTest on the router and the pages (tests by kind, not by core module)."""
