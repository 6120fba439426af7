// Package fuzzcheck holds the oracles the webhook fuzz targets share:
// FuzzVerifyWebhook (internal/stripeapi) checks the verifier alone and
// FuzzWebhookEndpoint (internal/cli) the whole endpoint, and both must say
// the same thing about which payloads Stripe could send and which
// PostgreSQL could store. They live in a package of their own so the two
// targets cannot drift apart, and are written independently of the code
// under test (the code's own check walks the bytes; TextOnly decodes), so a
// bug in one is not repeated in the other. Only tests import it.
package fuzzcheck
