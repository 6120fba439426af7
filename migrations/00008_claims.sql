-- +goose Up
-- Claim my purchase (DESIGN section 7): a customer's claim can serve a
-- payment (fulfilled_via = claim), or, when it matches a payment on the
-- card but not on the email, open a claim_review mismatch for a person.
ALTER TABLE orders DROP CONSTRAINT orders_fulfilled_via_check;
ALTER TABLE orders ADD CONSTRAINT orders_fulfilled_via_check
    CHECK (fulfilled_via IN ('return_page', 'webhook', 'event_catchup', 'sweep', 'staff', 'claim'));
ALTER TABLE mismatches DROP CONSTRAINT mismatches_kind_check;
ALTER TABLE mismatches ADD CONSTRAINT mismatches_kind_check CHECK (kind IN ('orphan_payment', 'stuck_pending',
    'unpaid_fulfilled', 'refunded_active', 'disputed', 'duplicate_payment', 'amount_mismatch', 'identity_unknown',
    'expired_pending', 'claim_review'));

-- +goose Down
DELETE FROM mismatches WHERE kind = 'claim_review';
ALTER TABLE mismatches DROP CONSTRAINT mismatches_kind_check;
ALTER TABLE mismatches ADD CONSTRAINT mismatches_kind_check CHECK (kind IN ('orphan_payment', 'stuck_pending',
    'unpaid_fulfilled', 'refunded_active', 'disputed', 'duplicate_payment', 'amount_mismatch', 'identity_unknown',
    'expired_pending'));
UPDATE orders SET fulfilled_via = 'staff' WHERE fulfilled_via = 'claim';
ALTER TABLE orders DROP CONSTRAINT orders_fulfilled_via_check;
ALTER TABLE orders ADD CONSTRAINT orders_fulfilled_via_check
    CHECK (fulfilled_via IN ('return_page', 'webhook', 'event_catchup', 'sweep', 'staff'));
