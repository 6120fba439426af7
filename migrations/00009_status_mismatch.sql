-- +goose Up
-- status_mismatch: an order whose status (refunded, disputed) the processor
-- does not confirm, as when an event's payload disagreed with the processor.
-- The sweep queues it with words that say what differs (DESIGN section 6).
ALTER TABLE mismatches DROP CONSTRAINT mismatches_kind_check;
ALTER TABLE mismatches ADD CONSTRAINT mismatches_kind_check CHECK (kind IN ('orphan_payment', 'stuck_pending',
    'unpaid_fulfilled', 'refunded_active', 'disputed', 'duplicate_payment', 'amount_mismatch', 'identity_unknown',
    'expired_pending', 'claim_review', 'status_mismatch'));

-- +goose Down
DELETE FROM mismatches WHERE kind = 'status_mismatch';
ALTER TABLE mismatches DROP CONSTRAINT mismatches_kind_check;
ALTER TABLE mismatches ADD CONSTRAINT mismatches_kind_check CHECK (kind IN ('orphan_payment', 'stuck_pending',
    'unpaid_fulfilled', 'refunded_active', 'disputed', 'duplicate_payment', 'amount_mismatch', 'identity_unknown',
    'expired_pending', 'claim_review'));
