// Package health keeps what one process has seen of the parts it cannot
// write down while they fail: the processor's recent answers and the
// database's outages. The reconciliation alerter reads both (through its
// probe watches) to raise one alert per outage, and /readyz shows them.
//
// It is in memory on purpose: an outage of the database cannot be stored
// in it, and a processor call is too frequent to cost a write.
package health
