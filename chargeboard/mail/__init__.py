"""Outgoing e-mail (issues 30 and 31): the SMTP settings (settings.py) and the sending rules with their
log (sender.py), built once for statements, invitations, password resets and alerts."""
