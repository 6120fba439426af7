// Package hostload describes how busy the machine was while a benchmark
// ran, so that its figures can be read: on a virtual machine the host may
// take a large share of the CPU for other guests (steal time), and the
// same code then measures half as fast. The benchmarks print it under
// their tables.
package hostload
