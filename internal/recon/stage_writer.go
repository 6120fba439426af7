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

// copiers is how many connections copy batches into staging at once.
// PostgreSQL parses and stores a COPY on one core, as busy as the
// listing's side: two keep both cores of a small server working while a
// million payments are staged.
const copiers = 2

// writer copies batches of listed objects into staging on goroutines of
// its own (copiers of them), one transaction per batch, so that listing
// the next batch and writing the last ones overlap. Batches are passed
// back and forth: one being filled and one being written by each copier.
type writer struct {
	batches chan []store.StagedObject // to write
	spare   chan []store.StagedObject // written, emptied, to fill again
	done    sync.WaitGroup
	err     atomic.Pointer[error] // the first write error
	wrote   atomic.Bool           // a batch has been written
}

func startWriter(ctx context.Context, st *store.Store, runID int64, faults *fault.Points) *writer {
	w := &writer{
		batches: make(chan []store.StagedObject),
		spare:   make(chan []store.StagedObject, copiers),
	}
	for range copiers {
		w.spare <- make([]store.StagedObject, 0, batchSize)
		w.done.Go(func() { w.copyBatches(ctx, st, runID, faults) })
	}
	return w
}

// copyBatches writes each batch it is handed until the batches end; once
// one write has failed, it only empties what it is handed.
func (w *writer) copyBatches(ctx context.Context, st *store.Store, runID int64, faults *fault.Points) {
	for batch := range w.batches {
		if w.err.Load() == nil {
			if err := st.StageObjects(ctx, runID, batch); err != nil {
				w.err.CompareAndSwap(nil, &err)
			} else if !w.wrote.Swap(true) {
				faults.Hit(fault.SweepMidPage)
			}
		}
		clear(batch) // drop the listed strings it holds
		w.spare <- batch[:0]
	}
}

// write hands batch to a copier and returns an empty batch to fill, once
// one is free; errWriteFailed once a write has failed.
func (w *writer) write(batch []store.StagedObject) ([]store.StagedObject, error) {
	if w.err.Load() != nil {
		return batch, errWriteFailed
	}
	w.batches <- batch
	return <-w.spare, nil
}

// stop waits for the last batches to be written and returns the first
// write error, if any.
func (w *writer) stop() error {
	close(w.batches)
	w.done.Wait()
	if err := w.err.Load(); err != nil {
		return *err
	}
	return nil
}
