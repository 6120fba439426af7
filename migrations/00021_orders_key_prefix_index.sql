-- +goose Up
-- A checkout looks for the orders its form started (every order whose
-- idempotency key starts with "form:<token>:"). starts_with alone cannot
-- use the key's unique index, so each checkout read every order: 0.36 ms at
-- 2,100 orders, growing with the table. In byte order (COLLATE "C") a prefix
-- is a range, which this index answers in a few pages whatever the
-- database's collation.
CREATE INDEX orders_idempotency_key_bytes ON orders ((idempotency_key COLLATE "C"));

-- +goose Down
DROP INDEX orders_idempotency_key_bytes;
