package billing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/fault"
)

// CheckoutForm is what the pricing page posts.
type CheckoutForm struct {
	Email     string
	PlanCode  string
	FormToken string
	// PriorRef is the public reference of the order this browser started
	// last (its order cookie), or empty. It may be anything a browser sends.
	PriorRef string
}

// FieldError is an Invalid error about one form field, safe to show next to it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate checks the form and normalises the email.
func (f *CheckoutForm) Validate() error {
	f.Email = strings.TrimSpace(f.Email)
	addr, err := mail.ParseAddress(f.Email)
	switch {
	case f.Email == "":
		return invalidField("email", "Please enter your email address.")
	case err != nil || addr.Address != f.Email || len(f.Email) > 254:
		return invalidField("email", "That does not look like an email address.")
	case f.PlanCode == "":
		return invalidField("plan", "Please choose a plan.")
	case len(f.FormToken) < 16 || len(f.FormToken) > 64 || !formTokenPattern.MatchString(f.FormToken):
		return invalidField("form", "This form has expired. Please try again.")
	}
	return nil
}

// formTokenPattern keeps the token to characters that cannot run into the
// separator of the idempotency key.
var formTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// idempotencyKey names the order this form starts: the form's token with
// the email (case-insensitively) and the plan. A double submit gives one
// order; the same form posted again with a corrected email or another plan
// starts a fresh order, so it is never charged to the stale address.
func (f CheckoutForm) idempotencyKey() string {
	sum := sha256.Sum256([]byte(strings.ToLower(f.Email) + "\n" + f.PlanCode))
	return formKeyPrefix(f.FormToken) + hex.EncodeToString(sum[:8])
}

// formKeyPrefix is what the keys of every order one form started begin with.
func formKeyPrefix(token string) string { return "form:" + token + ":" }

func invalidField(field, msg string) error {
	return &apperr.Error{Kind: apperr.Invalid, Msg: msg, Err: &FieldError{Field: field, Msg: msg}}
}

// StartCheckout writes the order before any money moves, commits, and only
// then asks the processor for a checkout session, with an idempotency key
// derived from the stored order. It returns the order and the URL of the
// processor's payment page. A double submit of one form gives one order and,
// through the processor's idempotency, one session.
//
// It never sends a browser to a second payment page by mistake: when the
// browser's earlier order for the same plan is paid, served or still open at
// the processor (asked live, before any transaction), that order comes back
// with no URL and the customer is shown its status instead. Without that
// link (another device), the page gives nothing away, and an address that
// bought the plan within PriorWindow is emailed the earlier order's status.
//
// When the processor is busy (its rate budget used up) or unreachable, it
// returns an Unavailable error in the customer's words, and the pending
// order when one was written: the same form continues it.
func (s *Service) StartCheckout(ctx context.Context, f CheckoutForm) (Order, string, error) {
	if err := f.Validate(); err != nil {
		return Order{}, "", err
	}
	key := f.idempotencyKey()
	if f.PriorRef != "" {
		// An error here stops the checkout: a new payment page is never
		// offered without knowing whether the last one was paid.
		prior, err := s.priorOrder(ctx, f.PriorRef, f.PlanCode)
		if err != nil {
			return Order{}, "", busy(err)
		}
		if o, payURL, stop := prior.stops(f.Email, key); stop {
			return o, payURL, nil
		}
	}
	o, plan, err := s.insertOrder(ctx, f, key)
	if err != nil {
		return Order{}, "", err
	}
	s.faults.Hit(fault.CheckoutAfterOrderInsert)
	if o.Status != StatusPending {
		return o, "", nil // a resubmit of a form whose payment went through
	}
	sess, err := s.proc.CreateCheckoutSession(ctx, s.checkoutRequest(o, plan))
	if apperr.Is(err, apperr.Unavailable) {
		// The order stays pending with no session, which is harmless: the
		// same form finds it again and asks for its session with the same
		// idempotency key, so a retry continues this order.
		return o, "", busy(err)
	}
	if err != nil {
		return Order{}, "", err
	}
	s.faults.Hit(fault.CheckoutAfterSessionCreate)
	err = s.store.InTx(ctx, func(tx Tx) error { return tx.SetCheckoutSession(ctx, o.ID, sess.ID) })
	return o, sess.URL, err
}

// insertOrder writes the pending order in one transaction. A form whose
// earlier order for the plan is already paid gets that order back, whatever
// email it now carries; a new order for an address that bought the plan
// recently queues the status_link email in the same transaction.
func (s *Service) insertOrder(ctx context.Context, f CheckoutForm, key string) (Order, Plan, error) {
	var o Order
	var plan Plan
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		plan, err = tx.Plan(ctx, f.PlanCode)
		if apperr.Is(err, apperr.NotFound) || (err == nil && !plan.Active) {
			return invalidField("plan", "That plan is not available.")
		} else if err != nil {
			return err
		}
		if paid, ok, err := paidFromForm(ctx, tx, f.FormToken, plan.Code); err != nil || ok {
			o = paid
			return err
		}
		ref := NewPublicRef()
		o, err = tx.InsertOrder(ctx, Order{
			PublicRef: ref, Email: f.Email, PlanCode: plan.Code,
			Amount: plan.Amount, Currency: plan.Currency, Status: StatusPending,
			IdempotencyKey: key,
		})
		if err != nil || o.PublicRef != ref {
			return err // an error, or this form's order from an earlier submit
		}
		return s.tellEarlierPurchases(ctx, tx, o, plan)
	})
	return o, plan, err
}

// paidFromForm finds an order the same form started for the plan that is
// already paid, under any email: the customer paid, went back, and typed
// the address again.
func paidFromForm(ctx context.Context, tx Tx, token, plan string) (Order, bool, error) {
	orders, err := tx.OrdersByKeyPrefix(ctx, formKeyPrefix(token))
	if err != nil {
		return Order{}, false, err
	}
	for _, o := range orders {
		if o.PlanCode == plan && (o.Status == StatusPaid || o.Status == StatusFulfilled) {
			return o, true, nil
		}
	}
	return Order{}, false, nil
}

// msgCheckoutBusy is what a customer reads when the payment page could not
// be opened because the processor is busy or unreachable.
const msgCheckoutBusy = "We could not open the payment page just now because many people are paying at once. " +
	"Nothing was charged and your order is kept: press Try again in a few seconds."

// busy words an Unavailable error from the processor for the customer who
// was starting a checkout; other errors pass through.
func busy(err error) error {
	if apperr.Is(err, apperr.Unavailable) {
		return apperr.Wrap(apperr.Unavailable, msgCheckoutBusy, err)
	}
	return err
}

func (s *Service) checkoutRequest(o Order, plan Plan) CheckoutRequest {
	id := strconv.FormatInt(o.ID, 10)
	interval := ""
	if plan.Renews() {
		interval = plan.Interval
	}
	return CheckoutRequest{
		Interval: interval,
		// The public reference, not the id: a database restored from an
		// older backup hands ids out again, and the processor would answer
		// a new order with an old order's session (or an idempotency error).
		IdempotencyKey:    "checkout:" + o.PublicRef,
		ClientReferenceID: id,
		Email:             o.Email,
		ProductName:       plan.Name,
		Amount:            o.Amount,
		Currency:          o.Currency,
		SuccessURL:        s.baseURL + "/checkout/return?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:         s.baseURL + "/?canceled=" + o.PublicRef,
		Metadata:          map[string]string{MetaOrderID: id, MetaPublicRef: o.PublicRef, MetaPlan: plan.Code},
	}
}

// ReturnFromCheckout handles the customer's return from the payment page. It
// asks the processor (never the query string) whether the session is paid,
// and fulfils it if so. The order comes back in whatever state it is in.
func (s *Service) ReturnFromCheckout(ctx context.Context, sessionID string) (Order, error) {
	sessionID = strings.TrimSpace(sessionID)
	if !strings.HasPrefix(sessionID, "cs_") || len(sessionID) > 200 {
		return Order{}, apperr.New(apperr.NotFound, "We could not find that checkout.")
	}
	sess, err := s.proc.GetCheckoutSession(ctx, sessionID)
	if apperr.Is(err, apperr.NotFound) {
		return Order{}, apperr.Wrap(apperr.NotFound, "We could not find that checkout.", err)
	} else if err != nil {
		return Order{}, err
	}
	s.faults.Hit(fault.ReturnAfterVerify)
	return s.serveSession(ctx, sess)
}

// serveSession fulfils a session the processor says is paid, through the
// customer's own flow (return_page), and returns its order as it now is.
func (s *Service) serveSession(ctx context.Context, sess Session) (Order, error) {
	facts, err := s.sessionFacts(ctx, sess)
	if err != nil {
		return Order{}, err
	}
	if sess.Paid() {
		out, err := s.Fulfill(ctx, facts, ViaReturnPage)
		if err != nil {
			return Order{}, err
		}
		return out.Order, nil
	}
	return s.orderFor(ctx, facts)
}

func (s *Service) orderFor(ctx context.Context, p PaidCheckout) (Order, error) {
	var o Order
	err := s.store.InTx(ctx, func(tx Tx) error {
		id, err := tx.FindOrderForPayment(ctx, p)
		if err != nil {
			return err
		}
		o, err = tx.LockOrder(ctx, id)
		return err
	})
	return o, err
}
