"""Printable documents of the desk: the dossier receipt (Form 01, A5) and the per-desk follow poster (A4).

Rendered with WeasyPrint from Django templates, with local fonts only and no network access.
"""
