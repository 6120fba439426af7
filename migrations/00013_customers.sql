-- +goose Up
-- The console's customer search and customer page (DESIGN section 9):
-- every key a person pastes finds its rows through an index, and the
-- customer's timeline reads each of its sources by the customer's orders,
-- emails or mismatches. Orders' ids, references, payment ids and charge
-- ids, and error references, are already unique (indexed); emails by
-- address are indexed in 00001 and mismatches by payment in 00003.
CREATE INDEX mismatches_email_idx ON mismatches (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX mismatches_charge_idx ON mismatches (charge_id) WHERE charge_id IS NOT NULL;
CREATE INDEX error_reports_order_idx ON error_reports (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX processor_events_object_idx ON processor_events (object_id);
-- The customer page's "granted by" reads an account's grants.
CREATE INDEX entitlement_grants_account_idx ON entitlement_grants (account_id);

-- +goose Down
DROP INDEX entitlement_grants_account_idx, processor_events_object_idx, error_reports_order_idx, mismatches_charge_idx, mismatches_email_idx;
