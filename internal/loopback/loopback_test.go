package loopback

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAllowed(t *testing.T) {
	hosts := Hosts("127.0.0.1:8080", "192.168.1.5:8080", ":9000")
	cases := []struct {
		host string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.1", true},
		{"localhost:12111", true},
		{"LOCALHOST.:80", true},
		{"[::1]:8080", true},
		{"[::1]", true},
		{"192.168.1.5:8080", true}, // the configured address's own host
		{"evil.example", false},
		{"evil.example:8080", false},
		{"127.0.0.1.evil.example:8080", false},
		{"localhost.evil.example", false},
		{"127.0.0.2:8080", false},
		{"", false},
		{":8080", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Allowed(c.host, hosts), "Host %q", c.host)
	}
}

func TestIsAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:12111": true, "localhost:12111": true, "[::1]:12111": true, "127.0.0.5:1": true,
		":12111": false, "0.0.0.0:12111": false, "[::]:12111": false, "192.168.1.5:12111": false, "sim:12111": false,
	} {
		assert.Equal(t, want, IsAddr(addr), addr)
	}
}
