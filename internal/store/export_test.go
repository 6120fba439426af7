package store

// PaymentsPartBlocks is the staging size from which Classify builds the
// payments in parts, for the test that makes it do so.
const PaymentsPartBlocks = partBlocks
