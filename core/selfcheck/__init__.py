"""What a constructor takes away from a self-check (issue 14), as pure functions of a profile and
its assessment (``core.assess``): ``calendar`` makes the .ics reminders (RFC 5545, per specialty
``apply_by`` and ``lapses_on`` and the usage window's last day), ``summary`` the one-page PDF of
the answer with each date's rule and clause, ``profile_file`` the profile JSON saved and loaded
again. None of them writes a file or logs anything: they return bytes or raise a bilingual
``CodedError``; the page offers the bytes as downloads, the command line writes them where told.
These are not the certificate (core/certificate draws the 附件2 preview): they are the
constructor's own copy of the answer and of what they typed.
"""
