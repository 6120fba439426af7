package recon

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/store"
)

// errWriteFailed stops the listing once the writer has failed; the
// writer's own error is what the run reports.
var errWriteFailed = errors.New("staging write failed")

// writers is how many batches are copied into staging at once, each on a
// connection of its own. One copy is the encoding here and then the
// database's parsing of it, one after the other; two overlap the one's
// parsing with the other's encoding. Measured at a million payments, where
// the writer was busy for all but 0.2 s of the staging: 5.9 s with one,
// 5.3–5.5 s with two, for one more batch in memory.
const writers = 2

// writer copies batches of listed objects into staging on goroutines of
// its own, one transaction a batch, so that listing the next batch and
// writing the last ones overlap. writers+1 batches exist, passed back and
// forth: the one being filled and those being written.
type writer struct {
	batches chan []store.StagedObject // to write
	spare   chan []store.StagedObject // written, emptied, to fill again
	done    chan struct{}
	wrote   atomic.Bool           // a batch has been written
	err     atomic.Pointer[error] // the first write error
}

func startWriter(ctx context.Context, st *store.Store, runID int64, faults *fault.Points) *writer {
	w := &writer{
		batches: make(chan []store.StagedObject),
		spare:   make(chan []store.StagedObject, writers),
		done:    make(chan struct{}),
	}
	var running sync.WaitGroup
	for range writers {
		w.spare <- make([]store.StagedObject, 0, batchSize)
		running.Go(func() { w.run(ctx, st, runID, faults) })
	}
	go func() { running.Wait(); close(w.done) }()
	return w
}

// run writes batches until there are no more; after a failed write it
// only hands them back.
func (w *writer) run(ctx context.Context, st *store.Store, runID int64, faults *fault.Points) {
	for batch := range w.batches {
		if w.err.Load() == nil {
			if err := st.StageObjects(ctx, runID, batch); err != nil {
				w.err.CompareAndSwap(nil, &err)
			} else if w.wrote.CompareAndSwap(false, true) {
				faults.Hit(fault.SweepMidPage)
			}
		}
		clear(batch) // drop the listed strings it holds
		w.spare <- batch[:0]
	}
}

// write hands batch to the writer and returns an empty batch to fill, once
// the writer is done with the previous one; errWriteFailed once a write
// has failed.
func (w *writer) write(batch []store.StagedObject) ([]store.StagedObject, error) {
	if w.err.Load() != nil {
		return batch, errWriteFailed
	}
	w.batches <- batch
	return <-w.spare, nil
}

// stop waits for the last batch to be written and returns the first write
// error, if any.
func (w *writer) stop() error {
	close(w.batches)
	<-w.done
	if err := w.err.Load(); err != nil {
		return *err
	}
	return nil
}
