-- +goose Up
-- The staff console's reads (DESIGN section 9), each measured by
-- BenchmarkConsolePages over 1M orders and 100k mismatches.

-- The queue: urgent first by evidence deadline, then the oldest, read in
-- index order from a keyset. The expressions are exactly the ones
-- internal/store/mismatch_queue.go orders by (queueUrgency, queueAt); the
-- second index serves the kind filter, and the dashboard's disputes.
CREATE INDEX mismatches_queue_idx ON mismatches (status, (NOT urgent),
    (CASE WHEN urgent THEN COALESCE(evidence_due_by, detected_at) ELSE detected_at END), id);
CREATE INDEX mismatches_queue_kind_idx ON mismatches (status, kind, (NOT urgent),
    (CASE WHEN urgent THEN COALESCE(evidence_due_by, detected_at) ELSE detected_at END), id);

-- The dashboard's money at risk sums the open mismatches by currency.
CREATE INDEX mismatches_open_amount_idx ON mismatches (currency) INCLUDE (amount)
    WHERE status = 'open' AND amount IS NOT NULL;

-- The dashboard's chart counts the orders paid and served in 30 days.
CREATE INDEX orders_paid_at_idx ON orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX orders_fulfilled_at_idx ON orders (fulfilled_at) WHERE fulfilled_at IS NOT NULL;

-- A mismatch's page lists the emails of its order. (Its staff actions come
-- from audit_log by target, which 00006's audit_log_target_created_at
-- indexes.)
CREATE INDEX email_messages_order_idx ON email_messages (order_id) WHERE order_id IS NOT NULL;

-- +goose Down
DROP INDEX email_messages_order_idx, orders_fulfilled_at_idx, orders_paid_at_idx,
    mismatches_open_amount_idx, mismatches_queue_kind_idx, mismatches_queue_idx;
