package hostload

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseCPUCountsIdleAndSteal(t *testing.T) {
	got, err := parseCPU("cpu  100 5 50 800 10 1 4 30 0 0")
	require.NoError(t, err)
	require.Equal(t, cpuTimes{total: 1000, idle: 810, steal: 30}, got)
}

func TestBusySecondsCountsWorkOnThisMachine(t *testing.T) {
	s := Start()
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); {
	}
	busy, ok := s.BusySeconds()
	require.True(t, ok)
	// This goroutine spun for 0.3 s of one CPU; the kernel counts in
	// 10 ms ticks, and the rest of the machine may be busy too.
	require.GreaterOrEqual(t, busy, 0.2)
}

func TestParseCPURefusesAnotherLine(t *testing.T) {
	_, err := parseCPU("intr 12 3")
	require.Error(t, err)
	_, err = parseCPU("cpu 1 2 3")
	require.Error(t, err)
	_, err = parseCPU("cpu 1 2 3 4 5 6 7 x")
	require.Error(t, err)
}

func TestSpanMeasuresOnThisMachine(t *testing.T) {
	s := Start()
	time.Sleep(50 * time.Millisecond) // the kernel counts CPU time in 10 ms ticks
	p, ok := s.Steal()
	require.True(t, ok)
	require.GreaterOrEqual(t, p, 0.0)
	require.LessOrEqual(t, p, 100.0)
	require.NotEqual(t, "?", s.StealText())
	_, ok = Span{err: os.ErrNotExist}.BusySeconds()
	require.False(t, ok)
}

func TestStealTextIsUnknownWithoutProcStat(t *testing.T) {
	require.Equal(t, "?", Span{err: os.ErrNotExist}.StealText())
}
