-- +goose Up
-- What staff actions on a mismatch need (DESIGN section 9, package resolve).
--
-- version counts staff changes: the mismatch page carries the version it
-- was rendered from, and an action compares it, under the row lock, in the
-- transaction of its effect, so a page older than the last change refuses
-- a stale action. The sweep seeing a mismatch again does not bump it.
-- last_* name who made that change, so the refusal can say who did what and
-- when; resolved_by and resolved_action say who closed it and how.
-- linked_email is the account staff linked a payment to (Link account).
-- pending_refund is a refund written down before it is asked of the
-- processor, with its idempotency key: a refund whose answer was lost is
-- finished with that same key, never sent under a new one.
ALTER TABLE mismatches
    ADD COLUMN version         INT NOT NULL DEFAULT 1,
    ADD COLUMN last_actor      TEXT,
    ADD COLUMN last_action     TEXT,
    ADD COLUMN last_action_at  TIMESTAMPTZ,
    ADD COLUMN resolved_by     TEXT,
    ADD COLUMN resolved_action TEXT,
    ADD COLUMN linked_email    TEXT,
    ADD COLUMN pending_refund  JSONB;

-- The mismatch page's timeline and the audit log's filter read a target's
-- rows newest first.
CREATE INDEX audit_log_target_created_at ON audit_log (target, created_at DESC);

-- +goose Down
DROP INDEX audit_log_target_created_at;
ALTER TABLE mismatches
    DROP COLUMN pending_refund,
    DROP COLUMN linked_email,
    DROP COLUMN resolved_action,
    DROP COLUMN resolved_by,
    DROP COLUMN last_action_at,
    DROP COLUMN last_action,
    DROP COLUMN last_actor,
    DROP COLUMN version;
