-- Whether a system owner hid the first-run checklist's box on the landing page (no row: not hidden).
SELECT box_hidden FROM onboarding_settings
