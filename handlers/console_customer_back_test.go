package handlers

import "testing"

// TestCustomerBack: an action returns to a customer page only when its
// back field is one of ours; anything else leaves it on the mismatch's.
func TestCustomerBack(t *testing.T) {
	t.Parallel()
	for back, want := range map[string]string{
		"/console/customers/jane@example.test":     "jane@example.test",
		"/console/customers/jane%2Bx@example.test": "jane+x@example.test",
		"/console/customers/":                      "",
		"/console/customers/jane":                  "",
		"/console/customers/a@b/../../staff":       "",
		"/console/customers/a@b?x=1":               "",
		"/console/customers/a%40b%2F..%2Fstaff":    "",
		"//evil.example/console/customers/a@b":     "",
		"https://evil.example/console/customers/a": "",
		"/console/mismatches/1":                    "",
		"/console/customers/a@b\r\nSet-Cookie: x":  "",
		"": "",
	} {
		got, ok := customerBack(back)
		if got != want || ok != (want != "") {
			t.Errorf("customerBack(%q) = %q, %v; want %q", back, got, ok, want)
		}
	}
}
