-- +goose Up
-- A refund or dispute names a charge and its payment intent; for a renewal
-- these are the invoice's, so both the webhook and the sweep find the
-- invoice, and through its subscription the order, by them.
CREATE INDEX invoices_payment_intent_idx ON invoices (payment_intent_id) WHERE payment_intent_id IS NOT NULL;
CREATE INDEX invoices_charge_idx ON invoices (charge_id) WHERE charge_id IS NOT NULL;

-- +goose Down
DROP INDEX invoices_charge_idx;
DROP INDEX invoices_payment_intent_idx;
