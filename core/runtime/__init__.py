"""What a running deployment is configured with (``config.py``): CONTRACT.md's settings from the
environment or ``.streamlit/secrets.toml``, the data folder and the verification key file.
"""
