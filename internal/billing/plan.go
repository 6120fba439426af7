package billing

import (
	"fmt"
	"strings"
	"time"
)

// Plan is something a customer can buy: an amount in minor units of a
// currency, granting access for one interval.
type Plan struct {
	Code     string `db:"code" json:"code"`
	Name     string `db:"name" json:"name"`
	Amount   int64  `db:"amount" json:"amount"`
	Currency string `db:"currency" json:"currency"`
	Interval string `db:"interval" json:"interval"` // month | year
	// OneTime sells the plan as one payment for one interval of access (a
	// lifetime deal, a season pass); otherwise it renews as a subscription.
	OneTime bool `db:"one_time" json:"one_time"`
	Active  bool `db:"active" json:"active"`
}

// Renews reports whether the plan is sold as a subscription, in
// Checkout's subscription mode.
func (p Plan) Renews() bool { return p.Interval != "" && !p.OneTime }

// Extend returns the end of one interval of the plan starting at from.
func (p Plan) Extend(from time.Time) time.Time {
	if p.Interval == "month" {
		return from.AddDate(0, 1, 0)
	}
	return from.AddDate(1, 0, 0)
}

// Price formats the plan's amount for people, e.g. "$249.00" or "249.00 EUR".
func (p Plan) Price() string { return FormatMoney(p.Amount, p.Currency) }

// FormatMoney formats minor units of a currency for people. Only two-decimal
// currencies are supported, which covers every plan Backstop seeds.
func FormatMoney(amount int64, currency string) string {
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	major, minor := amount/100, amount%100
	if currency == "usd" {
		return fmt.Sprintf("%s$%d.%02d", sign, major, minor)
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, major, minor, strings.ToUpper(currency))
}
