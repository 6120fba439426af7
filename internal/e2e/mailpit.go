package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Mailpit is a real SMTP server with an HTTP API, started for one test.
type Mailpit struct {
	SMTPAddr string // host:port
	API      string // http://host:port

	bin, httpAddr, db string
	proc              *Proc
}

// StartMailpit starts Mailpit (pinned, installed by `make tools`) on free
// loopback ports with its own database and chaos enabled.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin := Tool(t, "mailpit", "MAILPIT_BIN")
	m := &Mailpit{SMTPAddr: FreeAddr(t), bin: bin, httpAddr: FreeAddr(t), db: filepath.Join(t.TempDir(), "mailpit.db")}
	m.API = "http://" + m.httpAddr
	m.Start(t)
	return m
}

// Start starts Mailpit again after Stop, on the same ports and with the
// messages it held.
func (m *Mailpit) Start(t testing.TB) {
	t.Helper()
	m.proc = Start(t, m.bin, []string{
		"--smtp", m.SMTPAddr, "--listen", m.httpAddr, "--database", m.db,
		"--enable-chaos", "--disable-version-check", "--smtp-disable-rdns", "--quiet",
		"--max", "0", // keep every message: long runs count them all
	}, nil)
	m.proc.WaitHTTP(t, m.API+"/readyz", 15*time.Second)
	m.proc.WaitTCP(t, m.SMTPAddr, 5*time.Second)
}

// Stop ends Mailpit gracefully: its SMTP port then refuses connections.
func (m *Mailpit) Stop(t testing.TB) {
	t.Helper()
	if err := m.proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop mailpit: %v", err)
	}
	if _, err := m.proc.WaitExit(15 * time.Second); err != nil {
		t.Fatalf("stop mailpit: %v", err)
	}
}

// MailpitMessage is one message in Mailpit's list.
type MailpitMessage struct {
	ID        string
	MessageID string
	Subject   string
	To        []struct{ Address string }
}

// MailpitDetail is one message with its parts.
type MailpitDetail struct {
	ID        string
	MessageID string
	Subject   string
	From      struct{ Address string }
	To        []struct{ Address string }
	Text      string
	HTML      string
}

// Messages lists every message Mailpit holds, newest first.
func (m *Mailpit) Messages(t testing.TB) []MailpitMessage {
	t.Helper()
	var out struct {
		Total    int
		Messages []MailpitMessage
	}
	// A message being stored is counted in Total a moment before it is
	// listed: ask again until the two agree.
	for range 50 {
		m.getJSON(t, "/api/v1/messages?limit=500", &out)
		if len(out.Messages) == out.Total {
			return out.Messages
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("mailpit holds %d messages, listed %d", out.Total, len(out.Messages))
	return nil
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

// Message returns one message with its text and HTML parts.
func (m *Mailpit) Message(t testing.TB, id string) MailpitDetail {
	t.Helper()
	var out MailpitDetail
	m.getJSON(t, "/api/v1/message/"+id, &out)
	return out
}

// Chaos makes Mailpit refuse every RCPT TO with code, or stops refusing
// when code is 0.
func (m *Mailpit) Chaos(t testing.TB, code int) {
	t.Helper()
	body := `{}`
	if code != 0 {
		body = fmt.Sprintf(`{"Recipient":{"ErrorCode":%d,"Probability":100}}`, code)
	}
	req, err := http.NewRequest(http.MethodPut, m.API+"/api/v1/chaos", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit chaos: %v", err)
	}
	defer resp.Body.Close()
	var got struct {
		Recipient struct{ ErrorCode, Probability int }
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil {
		t.Fatalf("mailpit chaos: %s", resp.Status)
	}
	if want := map[bool]int{true: 100, false: 0}[code != 0]; got.Recipient.Probability != want {
		t.Fatalf("mailpit chaos: probability %d, want %d", got.Recipient.Probability, want)
	}
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
		t.Fatalf("mailpit %s: %v", path, err)
	}
}
