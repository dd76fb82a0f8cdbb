-- Hide (or show again) the first-run checklist's box on the landing page, for the whole store.
INSERT OR REPLACE INTO onboarding_settings (one, box_hidden, updated_at, updated_by)
VALUES (true, $box_hidden, now(), $updated_by)
