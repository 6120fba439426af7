package mail

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
)

func TestNewSMTPSender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		addr    string // empty: refused
		wantErr string
	}{
		{url: "smtp://mail.example.com", addr: "mail.example.com:587"},
		{url: "smtps://u:p@mail.example.com", addr: "mail.example.com:465"},
		{url: "smtp://u:p%40ss@127.0.0.1:1025?tls=required&insecure=1&timeout=3s", addr: "127.0.0.1:1025"},
		{url: "smtp://[::1]:2525?tls=none", addr: "[::1]:2525"},
		{url: "http://mail.example.com", wantErr: "scheme"},
		{url: "smtp://", wantErr: "no host"},
		{url: "smtp://mail.example.com:0", wantErr: "bad port"},
		{url: "smtp://mail.example.com?tls=maybe", wantErr: "tls="},
		{url: "smtps://mail.example.com?tls=required", wantErr: "always TLS"},
		{url: "smtp://mail.example.com?insecur=1", wantErr: "unknown parameter"},
		{url: "smtp://mail.example.com?timeout=-1s", wantErr: "timeout"},
	}
	for _, tt := range tests {
		s, err := NewSMTPSender(tt.url)
		if tt.wantErr != "" {
			require.Error(t, err, tt.url)
			assert.Contains(t, err.Error(), tt.wantErr, tt.url)
			continue
		}
		require.NoError(t, err, tt.url)
		assert.Equal(t, tt.addr, s.addr, tt.url)
	}
}

func TestBuildMsgRefusesInvalidRecipient(t *testing.T) {
	t.Parallel()
	_, err := buildMsg(Outgoing{From: "shop@example.com", To: "jane@", Subject: "s", Text: "t", HTML: "h", MessageID: "<a@b>"})
	require.Error(t, err)
	assert.True(t, apperr.Is(err, apperr.Invalid), "%v", err)
}

func TestNewMessageIDIsUniqueAndBracketed(t *testing.T) {
	t.Parallel()
	a, b := newMessageID("example.com"), newMessageID("example.com")
	assert.NotEqual(t, a, b)
	assert.Regexp(t, `^<[a-z2-7]{32}@example\.com>$`, a)
	assert.Regexp(t, `@backstop\.invalid>$`, newMessageID(""))
}
