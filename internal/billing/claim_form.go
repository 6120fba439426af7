package billing

import (
	"errors"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ClaimForm is the /claim form as the customer typed it (DESIGN section
// 7, Claim my purchase): the email they paid with, the amount and the day
// on their statement, and optionally the card's last four digits or the
// receipt number.
type ClaimForm struct {
	Email   string
	Amount  string
	Date    string
	Last4   string
	Receipt string
}

// Claim is a ClaimForm read and checked: what the processor's charges are
// matched against.
type Claim struct {
	// Email is the address as typed, trimmed; it is compared
	// case-insensitively.
	Email string
	// Amount is in minor units: "249", "249.00" and "$249" are all 24900.
	Amount int64
	// Day is 00:00 UTC of the stated day.
	Day     time.Time
	Last4   string
	Receipt string // normalised by receiptKey
	// Typed is the form as typed (trimmed), kept as the claim's words for
	// the person who reviews it.
	Typed ClaimForm
}

// ClaimSlack is how far from the stated day a charge may have been made:
// a day either side, since the customer's statement shows their own time
// zone's day and the processor counts in UTC.
const ClaimSlack = 24 * time.Hour

// Range is the stated day and ClaimSlack either side, both ends inclusive:
// the one window the processor is asked about.
func (c Claim) Range() Range {
	return Range{From: c.Day.Add(-ClaimSlack), To: c.Day.Add(24*time.Hour + ClaimSlack - time.Second)}
}

// ParseClaim reads the form. today is the current time; a date after the
// customer's tomorrow is refused. Errors are apperr Invalid with a
// *FieldError naming the field (email, amount, date, last4, receipt) and
// the words to show beside it.
func ParseClaim(f ClaimForm, today time.Time) (Claim, error) {
	f = ClaimForm{
		Email: strings.TrimSpace(f.Email), Amount: strings.TrimSpace(f.Amount), Date: strings.TrimSpace(f.Date),
		Last4: strings.TrimSpace(f.Last4), Receipt: strings.TrimSpace(f.Receipt),
	}
	c := Claim{Email: f.Email, Typed: f}
	if err := CheckEmail(f.Email); err != nil {
		return Claim{}, err
	}
	var err error
	if c.Amount, err = ParseAmount(f.Amount); err != nil {
		return Claim{}, err
	}
	if c.Day, err = parseClaimDay(f.Date, today); err != nil {
		return Claim{}, err
	}
	if c.Last4, err = parseLast4(f.Last4); err != nil {
		return Claim{}, err
	}
	if f.Receipt != "" {
		if c.Receipt = receiptKey(f.Receipt); !receiptShape.MatchString(c.Receipt) {
			return Claim{}, invalidField("receipt", "That does not look like a receipt number. It is on the receipt we emailed, like 1234-5678; you can leave it empty.")
		}
	}
	return c, nil
}

// CheckEmail refuses, with apperr Invalid and a *FieldError for the email
// field, an address a customer typed that we could not write to. It says
// nothing about whether anyone bought with it.
func CheckEmail(email string) error {
	addr, err := mail.ParseAddress(email)
	switch {
	case email == "":
		return invalidField("email", "Please enter the email address you paid with.")
	case err != nil || addr.Address != email || len(email) > 254:
		return invalidField("email", "That does not look like an email address.")
	}
	return nil
}

// amountShape is plain dollars and cents: "249", "249.5", "249.00",
// optionally after a dollar sign.
var amountShape = regexp.MustCompile(`^\$?\s*([0-9]{1,7})(?:\.([0-9]{1,2}))?$`)

// Why MinorUnits could not read an amount, for each caller's own words.
var (
	ErrAmountComma = errors.New("amount has a comma")
	ErrAmountShape = errors.New("amount is not dollars and cents")
)

// MinorUnits reads dollars and cents as people type them ("249", "249.5",
// "$249.00") into minor units. A comma is refused (ErrAmountComma) rather
// than guessed at: "249,00" is 249 euros in much of Europe and 24,900
// dollars to a US reader. The customer's claim form and the console's
// refund form share it.
func MinorUnits(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, ",") {
		return 0, ErrAmountComma
	}
	m := amountShape.FindStringSubmatch(s)
	if m == nil {
		return 0, ErrAmountShape
	}
	major, _ := strconv.ParseInt(m[1], 10, 64)
	minor, _ := strconv.ParseInt((m[2] + "00")[:2], 10, 64) // "5" is 50 cents
	return major*100 + minor, nil
}

// ParseAmount reads an amount as a customer types it from a statement
// into minor units, with words for the claim form when it cannot.
func ParseAmount(s string) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, invalidField("amount", "Please enter the amount you were charged, like 249.00.")
	}
	amount, err := MinorUnits(s)
	switch {
	case errors.Is(err, ErrAmountComma):
		return 0, invalidField("amount", "Please type the amount without commas, with a dot before the cents: 249.00, or 1249.00 for a thousand and more.")
	case err != nil:
		return 0, invalidField("amount", "Please type the amount in dollars and cents as on your statement, like 249 or 249.00.")
	}
	if amount <= 0 {
		return 0, invalidField("amount", "Please enter the amount you were charged; it is more than zero.")
	}
	return amount, nil
}

func parseClaimDay(s string, today time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, invalidField("date", "Please enter the day of the charge, as on your statement.")
	}
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, invalidField("date", "Please enter the day as year-month-day, like 2026-12-01.")
	}
	if day.After(today.UTC().Add(ClaimSlack)) {
		return time.Time{}, invalidField("date", "That day has not come yet. Please check the date on your statement.")
	}
	if day.Year() < 2000 {
		return time.Time{}, invalidField("date", "Please check the year of the charge.")
	}
	return day, nil
}

func parseLast4(s string) (string, error) {
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return "", nil
	}
	if len(s) != 4 || strings.Trim(s, "0123456789") != "" {
		return "", invalidField("last4", "The last four digits of the card are four numbers, like 4242; you can leave them empty.")
	}
	return s, nil
}

// receiptShape is what receiptKey leaves of a receipt number that could be
// one: Stripe prints "1234-5678".
var receiptShape = regexp.MustCompile(`^[0-9A-Z][0-9A-Z-]{0,39}$`)

// receiptKey normalises a receipt number for comparison: no spaces, no
// leading "#", upper case.
func receiptKey(s string) string {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	return strings.TrimPrefix(s, "#")
}
