//go:build !unix

package flows

import "testing"

// reportCPU reports nothing where the process's CPU time is not read.
func reportCPU(*testing.B) func() { return func() {} }
