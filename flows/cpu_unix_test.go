//go:build unix

package flows

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU reports the process's CPU time per operation (user and
// system), which a machine shared with other work does not inflate as it
// does the wall time: call it before the loop, and the result after.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}
