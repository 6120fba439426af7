// Package e2e helps tests run Backstop as a user would: it builds the real
// binary, starts it (and the simulator, and Mailpit) as separate processes
// on free loopback ports, waits for them to be ready, and kills whatever is
// left when the test ends. Only tests import it.
package e2e
