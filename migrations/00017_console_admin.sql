-- +goose Up
-- The reconciliation page shows a run while it runs: phase says what it is
-- doing now (listing charges, classifying, …) beside the api_calls and
-- objects_seen it has counted so far; requested_by names who pressed
-- Run now ('' for the schedule).
ALTER TABLE recon_runs
    ADD COLUMN phase        TEXT NOT NULL DEFAULT '',
    ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';

-- The audit log page pages by (created_at, id) newest first, filtered by
-- actor or action; target already has 00006's index.
CREATE INDEX audit_log_created_id ON audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_actor_created ON audit_log (lower(actor), created_at DESC, id DESC);
CREATE INDEX audit_log_action_created ON audit_log (action, created_at DESC, id DESC);

-- +goose Down
DROP INDEX audit_log_action_created;
DROP INDEX audit_log_actor_created;
DROP INDEX audit_log_created_id;
ALTER TABLE recon_runs DROP COLUMN requested_by, DROP COLUMN phase;
