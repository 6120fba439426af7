package stripesim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want form
	}{
		{"flat", "mode=payment&success_url=https%3A%2F%2Fx.test%2F%7BCHECKOUT_SESSION_ID%7D",
			form{"mode": "payment", "success_url": "https://x.test/{CHECKOUT_SESSION_ID}"}},
		{"raw brackets", "line_items[0][price_data][currency]=usd&line_items[0][quantity]=2",
			form{"line_items": form{"0": form{"price_data": form{"currency": "usd"}, "quantity": "2"}}}},
		{"encoded brackets", "line_items%5B0%5D%5Bquantity%5D=2&metadata%5Bk%5D=v",
			form{"line_items": form{"0": form{"quantity": "2"}}, "metadata": form{"k": "v"}}},
		{"empty brackets append in order", "expand[]=b&expand[]=a",
			form{"expand": form{"0": "b", "1": "a"}}},
		{"empty value", "metadata[k]=&limit=", form{"metadata": form{"k": ""}, "limit": ""}},
		{"malformed key stays whole", "a[b=1", form{"a[b": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseForm(tt.raw)
			require.Nil(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := parseForm("a=1&a[b]=2")
	assert.NotNil(t, err, "a value and an object under one name")
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, param, code string
	}{
		{"line_items[0][price_data][bogus]=1", "line_items[0][price_data][bogus]", "parameter_unknown"},
		{"line_items[x][quantity]=1", "line_items", ""},
		{"line_items[0][quantity]=two", "line_items[0][quantity]", "parameter_invalid_integer"},
		{"metadata[k][j]=1", "metadata[k]", ""},
		{"mode[x]=payment", "mode", ""},
		{"expires_at=", "expires_at", "parameter_invalid_integer"},
		{"metadata=&payment_method_types=&mode=payment", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			f, perr := parseForm(tt.raw)
			require.Nil(t, perr)
			err := validate(f, sessionCreateSpec())
			if tt.param == "" {
				assert.Nil(t, err)
				return
			}
			require.NotNil(t, err)
			assert.Equal(t, tt.param, err.Body.Param)
			assert.Equal(t, tt.code, err.Body.Code)
		})
	}
}

func TestMatchType(t *testing.T) {
	t.Parallel()
	assert.True(t, matchType("charge.refunded", "charge.*", nil))
	assert.True(t, matchType("charge.dispute.created", "charge.*", nil))
	assert.False(t, matchType("payment_intent.succeeded", "charge.*", nil))
	assert.True(t, matchType("charge.refunded", "", []string{"a", "charge.refunded"}))
	assert.False(t, matchType("charge.refunded", "", []string{"a"}))
	assert.True(t, matchType("x", "", nil))
}
