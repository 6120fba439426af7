package hostload

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Span is the machine's CPU time from Start to now.
type Span struct {
	start cpuTimes
	err   error
}

// Start starts a span now.
func Start() Span {
	t, err := readCPU()
	return Span{start: t, err: err}
}

// Steal is the share of the machine's CPU time, in percent, that the host
// gave to other guests since the span started; ok is false when the
// kernel does not say (no /proc/stat).
func (s Span) Steal() (percent float64, ok bool) {
	d, ok := s.elapsed()
	if !ok {
		return 0, false
	}
	return 100 * float64(d.steal) / float64(d.total), true
}

// elapsed is the machine's CPU time since the span started; ok is false
// when the kernel does not say, or no tick has passed.
func (s Span) elapsed() (d cpuTimes, ok bool) {
	end, err := readCPU()
	if s.err != nil || err != nil || end.total <= s.start.total {
		return cpuTimes{}, false
	}
	return cpuTimes{total: end.total - s.start.total, idle: end.idle - s.start.idle, steal: end.steal - s.start.steal}, true
}

// ticksPerSecond is the unit of /proc/stat (USER_HZ, 100 on Linux).
const ticksPerSecond = 100

// BusySeconds is the CPU time, over all the machine's CPUs, spent on work
// since the span started: neither idle, waiting for I/O, nor stolen.
// Divided by the work done meanwhile it is what each piece cost the
// machine, whoever (app, database, load generator) spent it.
func (s Span) BusySeconds() (seconds float64, ok bool) {
	d, ok := s.elapsed()
	if !ok {
		return 0, false
	}
	return float64(d.total-d.idle-d.steal) / ticksPerSecond, true
}

// StealText is Steal for a table: "37%", or "?" when unknown.
func (s Span) StealText() string {
	if p, ok := s.Steal(); ok {
		return fmt.Sprintf("%.0f%%", p)
	}
	return "?"
}

// LoadAverage is /proc/loadavg's first three values, or "unknown".
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}

// StealNote explains a table's steal column in one line.
const StealNote = "steal: the share of the machine's CPU time the host gave to other guests meanwhile; " +
	"with the CPUs busy, at 30% the same work takes about 1.4 times as long"

// cpuTimes is the first line of /proc/stat: the machine's CPU time in
// ticks, all of it, the part idle or waiting for I/O, and the part the
// hypervisor gave to other guests.
type cpuTimes struct{ total, idle, steal int64 }

func readCPU() (cpuTimes, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, err
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	return parseCPU(first)
}

// parseCPU reads "cpu user nice system idle iowait irq softirq steal …";
// idle and iowait are the fourth and fifth values, steal the eighth.
// Guest time is already counted in user.
func parseCPU(line string) (cpuTimes, error) {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var t cpuTimes
	for i, s := range f[1:9] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("/proc/stat: %q: %w", s, err)
		}
		t.total += v
		switch i {
		case 3, 4:
			t.idle += v
		case 7:
			t.steal = v
		}
	}
	return t, nil
}
