"""The certificate preview of 附件2 (``preview.py``: content, fonts, photo checks, PDF and PNG
layout with fpdf2 and a QR code) and the verification tokens its QR code carries (``tokens.py``).
"""
