package staff_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/staff"
)

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	start := time.Now()
	h, err := staff.Hash("correct horse battery", staff.DefaultParams)
	t.Logf("one argon2id hash with DefaultParams took %v", time.Since(start))
	require.NoError(t, err)
	assert.Regexp(t, `^\$argon2id\$v=19\$m=65536,t=2,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`, h)

	ok, err := staff.Verify("correct horse battery", h)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = staff.Verify("correct horse batterY", h)
	require.NoError(t, err)
	assert.False(t, ok, "a wrong password does not match")

	again, err := staff.Hash("correct horse battery", staff.DefaultParams)
	require.NoError(t, err)
	assert.NotEqual(t, h, again, "each hash has its own salt")
}

func TestVerifyReadsParamsFromTheHash(t *testing.T) {
	t.Parallel()
	cheap := staff.Params{Time: 1, Memory: 1024, Threads: 1, SaltLen: 16, KeyLen: 32}
	h, err := staff.Hash("pw", cheap)
	require.NoError(t, err)
	ok, err := staff.Verify("pw", h)
	require.NoError(t, err)
	assert.True(t, ok, "a hash made with other parameters still verifies")
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=18$m=1024,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=1024,t=0,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$", "$argon2id$v=19$m=1024,t=1,p=1$!!$a2V5"} {
		ok, err := staff.Verify("pw", h)
		assert.Error(t, err, h)
		assert.False(t, ok, h)
	}
}

func TestGeneratePassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		p, err := staff.GeneratePassword()
		require.NoError(t, err)
		require.Len(t, p, staff.GeneratedPasswordLen)
		require.Regexp(t, `^[2-9a-km-np-zA-HJ-NP-Z]+$`, p)
		assert.False(t, strings.ContainsAny(p, "0O1lIo"), "no look-alike characters: %s", p)
		seen[p] = true
	}
	assert.Len(t, seen, 50, "every password is different")
}

// BenchmarkHash measures one sign-in's hashing cost with DefaultParams.
func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := staff.Hash("correct horse battery", staff.DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
