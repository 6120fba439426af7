-- +goose Up
-- A payment intent and its latest charge, listed side by side, are staged
-- as one row (DESIGN section 11): the charge's facts the diff reads ride
-- in these columns of the payment intent's row, which halves the rows a
-- million-payment sweep copies and removes the diff's largest join. A
-- charge whose payment intent was not listed near it is still staged on
-- its own row, and these columns stay NULL.
ALTER TABLE recon_objects
    ADD COLUMN charge_status          TEXT,
    ADD COLUMN charge_email           TEXT,
    ADD COLUMN charge_amount_refunded BIGINT,
    ADD COLUMN charge_refunded        BOOLEAN,
    ADD COLUMN charge_disputed        BOOLEAN,
    ADD COLUMN charge_created         TIMESTAMPTZ;

-- +goose Down
ALTER TABLE recon_objects
    DROP COLUMN charge_status,
    DROP COLUMN charge_email,
    DROP COLUMN charge_amount_refunded,
    DROP COLUMN charge_refunded,
    DROP COLUMN charge_disputed,
    DROP COLUMN charge_created;
