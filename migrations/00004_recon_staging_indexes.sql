-- +goose Up
-- The sweep's diff joins staged payments to orders by order and sessions to
-- payments by payment intent; without these, a 20k-payment window took
-- seconds per step instead of milliseconds.
CREATE INDEX recon_payments_order_idx ON recon_payments (run_id, order_id);
CREATE INDEX recon_objects_payment_intent_idx ON recon_objects (run_id, object, payment_intent_id);

-- +goose Down
DROP INDEX recon_objects_payment_intent_idx, recon_payments_order_idx;
