package recon

import (
	"fmt"
	"testing"
)

// TestRecentIDsDropsARepeatAcrossAPageBoundary: an object listed again
// within the next page is a repeat; the ids kept are at most two pages'.
func TestRecentIDsDropsARepeatAcrossAPageBoundary(t *testing.T) {
	r := newRecentIDs()
	for i := range pageSize {
		if r.repeated(fmt.Sprint("pi_", i)) {
			t.Fatalf("pi_%d is new", i)
		}
	}
	if !r.repeated(fmt.Sprint("pi_", pageSize-1)) {
		t.Fatal("the last object of a page, listed again at the top of the next, is a repeat")
	}
	for i := pageSize; i < 3*pageSize; i++ {
		r.repeated(fmt.Sprint("pi_", i))
	}
	if len(r.cur)+len(r.prev) > 2*pageSize {
		t.Fatalf("%d ids kept, more than two pages", len(r.cur)+len(r.prev))
	}
}
