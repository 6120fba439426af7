// Package loopback tells a request meant for this machine from one that
// only reached it. A server on 127.0.0.1 is still reachable from any web
// page the developer opens: with DNS rebinding, evil.example resolves to
// 127.0.0.1 and the page reads the answers as its own. The browser still
// sends Host: evil.example, so a development server that answers only the
// host names of this machine is out of reach. `backstop dev` guards the app
// (its mailbox shows every customer's email) and the simulator (its control
// API makes payments) this way; `backstop serve`, behind a proxy with its
// own names, does not.
package loopback
