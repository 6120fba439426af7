package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// Mailpit is a real SMTP server with an HTTP API, started for one test.
type Mailpit struct {
	SMTPAddr string // host:port
	API      string // http://host:port
}

// StartMailpit starts Mailpit (pinned, installed by `make tools`) on free
// loopback ports with its own database and chaos enabled.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin := Tool(t, "mailpit", "MAILPIT_BIN")
	m := &Mailpit{SMTPAddr: FreeAddr(t)}
	httpAddr := FreeAddr(t)
	m.API = "http://" + httpAddr
	p := Start(t, bin, []string{
		"--smtp", m.SMTPAddr, "--listen", httpAddr,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--enable-chaos", "--disable-version-check", "--smtp-disable-rdns", "--quiet",
	}, nil)
	p.WaitHTTP(t, m.API+"/readyz", 15*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", m.SMTPAddr, time.Second)
		if err == nil {
			conn.Close()
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit SMTP not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MailpitMessage is one message in Mailpit's list.
type MailpitMessage struct {
	ID        string
	MessageID string
	Subject   string
	To        []struct{ Address string }
}

// Messages lists every message Mailpit holds, newest first.
func (m *Mailpit) Messages(t testing.TB) []MailpitMessage {
	t.Helper()
	var out struct{ Messages []MailpitMessage }
	m.getJSON(t, "/api/v1/messages?limit=500", &out)
	return out.Messages
}

// MessagesTo lists the messages sent to address.
func (m *Mailpit) MessagesTo(t testing.TB, address string) []MailpitMessage {
	var out []MailpitMessage
	for _, msg := range m.Messages(t) {
		for _, to := range msg.To {
			if to.Address == address {
				out = append(out, msg)
			}
		}
	}
	return out
}

func (m *Mailpit) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, fmt.Sprint(err))
	}
}
