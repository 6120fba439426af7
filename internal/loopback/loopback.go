package loopback

import (
	"net"
	"slices"
	"strings"
)

// Hosts returns the names a development server answers to: 127.0.0.1,
// localhost and ::1, plus the host of each listen address given (so
// --addr 192.168.1.5:8080 still answers as 192.168.1.5).
func Hosts(addrs ...string) []string {
	hosts := []string{"127.0.0.1", "localhost", "::1"}
	for _, a := range addrs {
		h := hostOf(a)
		if h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// Allowed reports whether hostHeader (a request's Host, with or without a
// port, IPv6 in brackets) names one of hosts. An empty Host is refused.
func Allowed(hostHeader string, hosts []string) bool {
	h := hostOf(hostHeader)
	return h != "" && slices.Contains(hosts, h)
}

// IsAddr reports whether a listen address is on the loopback interface
// only, e.g. 127.0.0.1:12111 or localhost:12111, and not :12111 or
// 0.0.0.0:12111.
func IsAddr(addr string) bool {
	h := hostOf(addr)
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// hostOf drops the port and brackets and lowercases: "[::1]:8080" → "::1",
// "LocalHost." → "localhost".
func hostOf(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}
